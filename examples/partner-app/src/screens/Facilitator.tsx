// The facilitator's screen: the live check-in board (a query for the session's attendance, kept current by the
// attendanceChanged subscription through subscribeToMore), the feedback summary, and drifting members with outreach.
import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { NavLink, useParams } from 'react-router';
import { AttendanceSubscription, BoardQuery, DriftingQuery, RecordOutreachMutation, ViewerQuery } from '../operations';
import { ErrorNote } from '../ui';
import type { BoardQuery as BoardResult } from '../gql/graphql';

export function Facilitator() {
  const groupId = useParams().groupId ? decodeURIComponent(useParams().groupId!) : null;
  const viewer = useQuery(ViewerQuery);
  const groups = (viewer.data?.viewer.member?.memberships.nodes ?? []).filter((m) => m.role === 'FACILITATOR').map((m) => m.group);
  return (
    <>
      <h1>Facilitator</h1>
      <ErrorNote error={viewer.error} />
      <nav aria-label="Groups you facilitate">
        {groups.length === 0 && !viewer.loading && <p>You facilitate no groups.</p>}
        <ul className="inline">
          {groups.map((g) => (
            <li key={g.id}>
              <NavLink to={`/facilitator/${encodeURIComponent(g.id)}`}>{g.name}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      {groupId && <Board groupId={groupId} />}
      {groupId && <Drifting groupId={groupId} />}
    </>
  );
}

function Board({ groupId }: { groupId: string }) {
  const { data, error, subscribeToMore } = useQuery(BoardQuery, { variables: { groupId } });
  const group = data?.node?.__typename === 'Group' ? data.node : null;
  const session = group?.nextSession;
  const sessionId = session?.id;

  // Live updates merged into the query's result: a new check-in is added to the board, a changed one updates in
  // place (the cache normalizes Attendance by id, so a change to a known record needs no code here at all).
  useEffect(() => {
    if (!sessionId) return;
    return subscribeToMore({
      document: AttendanceSubscription,
      variables: { sessionId },
      updateQuery: (partial, { subscriptionData }) => {
        const prev = partial as BoardResult;
        const record = subscriptionData.data?.attendanceChanged;
        const node = prev.node;
        if (!record || node?.__typename !== 'Group' || !node.nextSession) return prev;
        const board = node.nextSession;
        if (board.attendance.edges.some((e) => e.node.id === record.id)) return prev;
        const edges = [...board.attendance.edges, { cursor: record.id, node: record }];
        return {
          ...prev,
          node: { ...node, nextSession: { ...board, attendanceCount: board.attendanceCount + 1, attendance: { ...board.attendance, edges } } },
        } as BoardResult;
      },
    });
  }, [sessionId, subscribeToMore]);

  if (error) return <ErrorNote error={error} />;
  if (!group) return <p>Loading…</p>;
  if (!session) return <p>{group.name} has no upcoming session.</p>;
  const summary = session.feedbackSummary;
  return (
    <>
      <section aria-labelledby="board-h">
        <h2 id="board-h">
          Check-in board: {session.title} ({session.status.toLowerCase()})
        </h2>
        <p aria-live="polite">
          <strong data-testid="checked-in-count">{session.attendance.edges.length}</strong> checked in
        </p>
        <ul className="board" aria-label="Checked in">
          {session.attendance.edges.map(({ node: a }) => (
            <li key={a.id}>
              {a.member.displayName}{' '}
              <span className="muted">
                {a.status.toLowerCase()}
                {a.checkedInAt ? ` at ${new Date(a.checkedInAt).toLocaleTimeString()}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="summary-h">
        <h2 id="summary-h">Feedback summary</h2>
        {!summary || summary.responses === 0 ? (
          <p>No feedback yet.</p>
        ) : summary.suppressed ? (
          <p>
            {summary.responses} {summary.responses === 1 ? 'response' : 'responses'}: averages are withheld until enough people have answered, so no one's
            answer can be singled out.
          </p>
        ) : (
          <p>
            {summary.responses} responses · average rating {summary.averageRating?.toFixed(1)} · mood change {summary.averageMoodChange?.toFixed(1)}
          </p>
        )}
      </section>
    </>
  );
}

function Drifting({ groupId }: { groupId: string }) {
  const { data, error, fetchMore } = useQuery(DriftingQuery, { variables: { groupId } });
  const [record, recording] = useMutation(RecordOutreachMutation, { refetchQueries: [DriftingQuery] });
  const [done, setDone] = useState<string[]>([]);
  const conn = data?.driftingMembers;
  return (
    <section aria-labelledby="drift-h">
      <h2 id="drift-h">Members drifting away</h2>
      <ErrorNote error={error ?? recording.error} />
      {conn && conn.edges.length === 0 && <p>No one has missed several sessions in a row.</p>}
      <ul>
        {conn?.edges.map(({ node: d }) => (
          <li key={d.membership.id}>
            <strong>{d.membership.member.displayName}</strong> missed the last {d.missedInARow} sessions
            {d.lastOutreachAt ? ` · last reached out ${new Date(d.lastOutreachAt).toLocaleDateString()}` : ''}{' '}
            <button
              type="button"
              disabled={done.includes(d.membership.id)}
              onClick={() =>
                void record({ variables: { membershipId: d.membership.id, input: { channel: 'MESSAGE', note: 'Checked in to say we miss you' } } }).then(() =>
                  setDone((x) => [...x, d.membership.id]),
                )
              }
            >
              Record outreach to {d.membership.member.displayName}
            </button>
          </li>
        ))}
      </ul>
      {conn?.pageInfo.hasNextPage && (
        <button type="button" onClick={() => void fetchMore({ variables: { after: conn.pageInfo.endCursor } })}>
          Show more
        </button>
      )}
    </section>
  );
}
