// The member's screens: find groups by topic (paged: relayStylePagination merges "Show more"), a group's page
// (norms and joining, RSVP, check-in, feedback, gratitude, shared resources) and a private wellbeing check-in.
import { useMutation, useQuery } from '@apollo/client/react';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import {
  CheckInMutation,
  FindGroupsQuery,
  GiveConsentMutation,
  GratitudeMutation,
  GroupDetailQuery,
  JoinGroupMutation,
  PostResourceMutation,
  RecordWellbeingMutation,
  RsvpMutation,
  SubmitFeedbackMutation,
} from '../operations';
import { ErrorNote } from '../ui';

export function Member() {
  const [topic, setTopic] = useState('');
  const [submitted, setSubmitted] = useState<string | null>(null);
  const { data, loading, error, fetchMore } = useQuery(FindGroupsQuery, { variables: { topic: submitted || null }, skip: submitted === null });
  const search = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(topic.trim());
  };
  const groups = data?.groups;
  return (
    <>
      <h1>Find a group</h1>
      <form onSubmit={search} role="search">
        <label htmlFor="topic">Topic</label>
        <input id="topic" value={topic} onChange={(e) => setTopic(e.target.value)} placeholder="e.g. anxiety" />
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={error} />
      {loading && <p>Loading…</p>}
      {groups && (
        <section aria-label="Groups found">
          {groups.edges.length === 0 && <p>No groups with that topic.</p>}
          <ul className="cards">
            {groups.edges.map(({ node: g }) => (
              <li key={g.id}>
                <h2>
                  <Link to={`/member/groups/${encodeURIComponent(g.id)}`}>{g.name}</Link>
                </h2>
                <p>{g.description}</p>
                <p className="muted">
                  {g.topics.join(', ')} · {g.memberCount} members{g.viewerMembership?.status === 'ACTIVE' ? ' · you are a member' : ''}
                </p>
              </li>
            ))}
          </ul>
          {groups.pageInfo.hasNextPage && (
            <button type="button" onClick={() => void fetchMore({ variables: { after: groups.pageInfo.endCursor } })}>
              Show more groups
            </button>
          )}
        </section>
      )}
      <WellbeingCheckIn />
    </>
  );
}

export function GroupPage() {
  const groupId = decodeURIComponent(useParams().groupId ?? '');
  const { data, loading, error } = useQuery(GroupDetailQuery, { variables: { id: groupId } });
  const [accepted, setAccepted] = useState(false);
  const [join, joining] = useMutation(JoinGroupMutation, { refetchQueries: [GroupDetailQuery] });
  if (loading && !data) return <p>Loading…</p>;
  const group = data?.node?.__typename === 'Group' ? data.node : null;
  if (!group) return <ErrorNote error={error ?? new Error('This group does not exist or is not visible to you.')} />;
  const member = group.viewerMembership?.status === 'ACTIVE' && !group.viewerMembership.needsNormsAcceptance;
  return (
    <>
      <h1>{group.name}</h1>
      <p>{group.description}</p>
      <section aria-labelledby="norms-h">
        <h2 id="norms-h">Group norms (version {group.normsVersion})</h2>
        <ul>
          {group.norms.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
        {!member && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void join({ variables: { groupId: group.id } });
            }}
          >
            <input id="accept" type="checkbox" checked={accepted} onChange={(e) => setAccepted(e.target.checked)} />
            <label htmlFor="accept">I accept the group's norms</label>
            <button type="submit" disabled={!accepted || joining.loading}>
              Join group
            </button>
            <ErrorNote error={joining.error} />
          </form>
        )}
        {member && <p className="ok">You are a member of this group.</p>}
      </section>
      {member && group.nextSession && <SessionPanel session={group.nextSession} />}
      {member && <Resources groupId={group.id} resources={group.resources.edges.map((e) => e.node)} />}
    </>
  );
}

type SessionInfo = NonNullable<Extract<NonNullable<import('../gql/graphql').GroupDetailQuery['node']>, { __typename: 'Group' }>['nextSession']>;

function SessionPanel({ session }: { session: SessionInfo }) {
  const [rsvp, rsvpState] = useMutation(RsvpMutation);
  const [checkIn, checkInState] = useMutation(CheckInMutation);
  const [feedback, feedbackState] = useMutation(SubmitFeedbackMutation);
  const [gratitude, gratitudeState] = useMutation(GratitudeMutation);
  const [rating, setRating] = useState('5');
  const [note, setNote] = useState('');
  const checkedIn = checkInState.data?.checkIn;
  return (
    <section aria-labelledby="session-h">
      <h2 id="session-h">Next session: {session.title}</h2>
      <p>
        {new Date(session.startsAt).toLocaleString()} · {session.status.toLowerCase()}
      </p>
      <p>
        Your RSVP: <strong>{session.viewerRsvp?.status ?? 'none yet'}</strong>{' '}
        <button type="button" onClick={() => void rsvp({ variables: { sessionId: session.id, status: 'GOING' } })} disabled={rsvpState.loading}>
          I'm going
        </button>
      </p>
      <ErrorNote error={rsvpState.error} />
      <p>
        <button type="button" onClick={() => void checkIn({ variables: { sessionId: session.id, moodBefore: 3 } })} disabled={checkInState.loading}>
          Check in
        </button>{' '}
        {checkedIn && <span className="ok">Checked in ({checkedIn.status.toLowerCase()})</span>}
      </p>
      <ErrorNote error={checkInState.error} />
      <form
        aria-labelledby="feedback-h"
        onSubmit={(e) => {
          e.preventDefault();
          void feedback({ variables: { sessionId: session.id, input: { rating: Number(rating), moodAfter: 4 } } });
        }}
      >
        <h3 id="feedback-h">How was the session?</h3>
        <label htmlFor="rating">Rating (1–5)</label>
        <select id="rating" value={rating} onChange={(e) => setRating(e.target.value)}>
          {[1, 2, 3, 4, 5].map((n) => (
            <option key={n}>{n}</option>
          ))}
        </select>
        <button type="submit" disabled={feedbackState.loading || !!feedbackState.data}>
          Send feedback
        </button>
        {feedbackState.data && <span className="ok">Thank you for your feedback.</span>}
        <ErrorNote error={feedbackState.error} />
      </form>
      <form
        aria-labelledby="gratitude-h"
        onSubmit={(e) => {
          e.preventDefault();
          void gratitude({ variables: { sessionId: session.id, text: note, anonymous: true } }).then(() => setNote(''));
        }}
      >
        <h3 id="gratitude-h">Say thank you (anonymously)</h3>
        <label htmlFor="gratitude">Gratitude note</label>
        <input id="gratitude" value={note} onChange={(e) => setNote(e.target.value)} required maxLength={500} />
        <button type="submit" disabled={gratitudeState.loading}>
          Share
        </button>
        {gratitudeState.data && <span className="ok">Note shared.</span>}
        <ErrorNote error={gratitudeState.error} />
      </form>
    </section>
  );
}

type ResourceInfo = Extract<NonNullable<import('../gql/graphql').GroupDetailQuery['node']>, { __typename: 'Group' }>['resources']['edges'][number]['node'];

function Resources({ groupId, resources }: { groupId: string; resources: ResourceInfo[] }) {
  const [title, setTitle] = useState('');
  const [url, setUrl] = useState('');
  const [post, posting] = useMutation(PostResourceMutation, { refetchQueries: [GroupDetailQuery] });
  return (
    <section aria-labelledby="resources-h">
      <h2 id="resources-h">Shared resources</h2>
      {resources.length === 0 && <p>Nothing shared yet.</p>}
      <ul>
        {resources.map((r) => (
          <li key={r.id}>
            {r.url ? <a href={r.url}>{r.title}</a> : r.title}{' '}
            <span className="muted">
              ({r.kind.toLowerCase().replace('_', ' ')}, {r.anonymous ? 'anonymous' : (r.author?.displayName ?? 'a member')})
            </span>
          </li>
        ))}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void post({ variables: { groupId, input: { kind: 'LINK', title, url: url || null } } }).then(() => {
            setTitle('');
            setUrl('');
          });
        }}
      >
        <label htmlFor="res-title">Title</label>
        <input id="res-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
        <label htmlFor="res-url">Link</label>
        <input id="res-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} />
        <button type="submit" disabled={posting.loading}>
          Share a resource
        </button>
        <ErrorNote error={posting.error} />
      </form>
    </section>
  );
}

function WellbeingCheckIn() {
  const [wellbeing, setWellbeing] = useState('5');
  const [confidence, setConfidence] = useState('5');
  const [consent, setConsent] = useState(false);
  const [giveConsent] = useMutation(GiveConsentMutation);
  const [record, recording] = useMutation(RecordWellbeingMutation);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await giveConsent(); // idempotent: returns the current grant while it holds
    await record({ variables: { input: { wellbeing: Number(wellbeing), confidence: Number(confidence) } } });
  };
  const help = recording.data?.recordWellbeing.suggestedHelp;
  return (
    <section aria-labelledby="wellbeing-h">
      <h2 id="wellbeing-h">Private wellbeing check-in</h2>
      <p className="muted">Only you can read your check-ins; others see only totals of at least a few people.</p>
      <form onSubmit={(e) => void submit(e).catch(() => undefined)}>
        <label htmlFor="wellbeing">Wellbeing (1–10)</label>
        <input id="wellbeing" type="number" min={1} max={10} value={wellbeing} onChange={(e) => setWellbeing(e.target.value)} />
        <label htmlFor="confidence">Confidence (1–10)</label>
        <input id="confidence" type="number" min={1} max={10} value={confidence} onChange={(e) => setConfidence(e.target.value)} />
        <input id="consent" type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} required />
        <label htmlFor="consent">I agree that my check-ins are kept (privately)</label>
        <button type="submit" disabled={recording.loading}>
          Record
        </button>
      </form>
      <ErrorNote error={recording.error} />
      {recording.data && <p className="ok">Recorded.</p>}
      {help && help.length > 0 && (
        <aside aria-labelledby="help-h" className="help">
          <h3 id="help-h">You don't have to do this alone</h3>
          <ul>
            {help.map((h) => (
              <li key={h.id}>
                <strong>{h.name}</strong> {h.phone && <a href={`tel:${h.phone}`}>{h.phone}</a>} {h.url && <a href={h.url}>{h.url}</a>}{' '}
                {h.openingHours && <span className="muted">({h.openingHours})</span>}
              </li>
            ))}
          </ul>
        </aside>
      )}
    </section>
  );
}
