import { ApolloProvider } from '@apollo/client/react';
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, NavLink, Navigate, Route, Routes } from 'react-router';
import { createApolloClient } from './apollo';
import { currentSession, logout, onSessionChange, restoreSession, type Session } from './auth';
import { Admin } from './screens/Admin';
import { Facilitator } from './screens/Facilitator';
import { Login } from './screens/Login';
import { GroupPage, Member } from './screens/Member';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | null>(currentSession());
  const [restored, setRestored] = useState(false);
  useEffect(() => onSessionChange(setSession), []);
  useEffect(() => {
    void restoreSession().finally(() => setRestored(true));
  }, []);
  // One client per signed-in user (a new user must not see the previous user's cache).
  const userId = session?.user.id;
  const client = useMemo(() => (session ? createApolloClient(session) : null), [userId]);
  if (!restored) return <p>Loading…</p>;
  if (!session || !client) return <Login />;
  return (
    <ApolloProvider client={client}>
      <header>
        <p>
          Signed in as <strong>{session.member.displayName}</strong> ({session.role.toLowerCase()})
        </p>
        <nav aria-label="Main">
          <NavLink to="/member">Member</NavLink>
          <NavLink to="/facilitator">Facilitator</NavLink>
          <NavLink to="/admin">Admin</NavLink>
        </nav>
        <button type="button" onClick={() => void logout()}>
          Sign out
        </button>
      </header>
      <main>
        <Routes>
          <Route path="/" element={<Navigate to="/member" replace />} />
          <Route path="/member" element={<Member />} />
          <Route path="/member/groups/:groupId" element={<GroupPage />} />
          <Route path="/facilitator" element={<Facilitator />} />
          <Route path="/facilitator/:groupId" element={<Facilitator />} />
          <Route path="/admin" element={<Admin />} />
          <Route path="*" element={<p>Not found.</p>} />
        </Routes>
      </main>
    </ApolloProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
