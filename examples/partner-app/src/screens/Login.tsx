import { useEffect, useState, type FormEvent } from 'react';
import { listDemoUsers, login } from '../auth';

/** The demo login: pick one of the partner's users. A real partner app authenticates its users its own way. */
export function Login() {
  const [users, setUsers] = useState<Array<{ id: string; label: string }>>([]);
  const [user, setUser] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listDemoUsers()
      .then((list) => {
        setUsers(list);
        setUser(list[0]?.id ?? '');
      })
      .catch(() => setError('The token backend did not answer.'));
  }, []);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      await login(user);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main>
      <h1>Peer support — sign in</h1>
      <form onSubmit={(e) => void submit(e)}>
        <label htmlFor="user">Demo user</label>
        <select id="user" value={user} onChange={(e) => setUser(e.target.value)}>
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.label}
            </option>
          ))}
        </select>
        <button type="submit">Sign in</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </main>
  );
}
