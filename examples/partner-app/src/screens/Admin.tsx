// The admin's screen: a group's health and its participation and outcome trends as charts (a withheld value is
// drawn as a grey "suppressed" bar, never as a zero), partnerships, and a joint event with a partner network.
import { useMutation, useQuery } from '@apollo/client/react';
import { useMemo, useState } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { AdminGroupsQuery, CreateJointEventMutation, InviteMutation, PartnershipsQuery, TrendsQuery } from '../operations';
import { ErrorNote } from '../ui';

const WEEKS = 8;
const pct = (v: number | null | undefined) => (v == null ? 'withheld' : `${Math.round(v * 100)}%`);
const week = (iso: string) => new Date(iso).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

export function Admin() {
  const groups = useQuery(AdminGroupsQuery);
  const [groupId, setGroupId] = useState('');
  const list = groups.data?.groups.edges.map((e) => e.node) ?? [];
  const selected = groupId || list[0]?.id || '';
  return (
    <>
      <h1>Network admin</h1>
      <ErrorNote error={groups.error} />
      <label htmlFor="group">Group</label>
      <select id="group" value={selected} onChange={(e) => setGroupId(e.target.value)}>
        {list.map((g) => (
          <option key={g.id} value={g.id}>
            {g.name}
          </option>
        ))}
      </select>
      {selected && <Trends groupId={selected} />}
      <Partnerships groups={list} />
    </>
  );
}

function Trends({ groupId }: { groupId: string }) {
  const range = useMemo(() => {
    const to = new Date();
    return { from: new Date(to.getTime() - WEEKS * 7 * 86_400_000).toISOString(), to: to.toISOString() };
  }, []);
  const { data, error, loading } = useQuery(TrendsQuery, { variables: { groupId, ...range } });
  if (error) return <ErrorNote error={error} />;
  if (loading || !data) return <p>Loading…</p>;
  const group = data.node?.__typename === 'Group' ? data.node : null;
  const health = group?.health;
  // Suppressed points: the value is null (no line point, no bar) and a grey marker bar at full height says so.
  const participation = data.participationTrend.map((p) => ({
    week: week(p.periodStart),
    attendees: p.attendees,
    rate: p.attendanceRate == null ? null : Math.round(p.attendanceRate * 100),
    suppressed: p.suppressed ? 100 : null,
  }));
  const outcomes = data.outcomeTrend.map((p) => ({
    week: week(p.periodStart),
    wellbeing: p.averageWellbeing,
    confidence: p.averageConfidence,
    suppressed: p.suppressed ? 10 : null,
  }));
  const withheld = (n: number) => `${n} of ${WEEKS + 1} weeks withheld (fewer than k people)`;
  return (
    <>
      <section aria-labelledby="health-h">
        <h2 id="health-h">Health of {group?.name}</h2>
        {health && (
          <dl className="health">
            <dt>Sessions held</dt>
            <dd>{health.sessionsHeld}</dd>
            <dt>Newcomers</dt>
            <dd>{health.newcomers}</dd>
            <dt>Attendance rate</dt>
            <dd>{pct(health.attendanceRate)}</dd>
            <dt>Retention</dt>
            <dd>{pct(health.retentionRate)}</dd>
            <dt>Average rating</dt>
            <dd>{health.averageRating?.toFixed(1) ?? 'withheld'}</dd>
          </dl>
        )}
        {health?.suppressed && <p className="muted">Some figures are withheld: fewer people than the network's privacy threshold contributed.</p>}
      </section>
      <figure aria-labelledby="participation-cap" className="chart" data-chart="participation">
        <ResponsiveContainer width="100%" height={260}>
          <ComposedChart data={participation}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="week" />
            <YAxis yAxisId="count" allowDecimals={false} />
            <YAxis yAxisId="pct" orientation="right" domain={[0, 100]} unit="%" />
            <Tooltip />
            <Legend />
            <Bar yAxisId="pct" dataKey="suppressed" name="Suppressed (rate withheld)" fill="#d0d0d0" isAnimationActive={false} />
            <Bar yAxisId="count" dataKey="attendees" name="Attendances" fill="#4f7cac" isAnimationActive={false} />
            <Line yAxisId="pct" dataKey="rate" name="Attendance rate" stroke="#c0392b" connectNulls={false} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
        <figcaption id="participation-cap">
          Participation per week, last {WEEKS} weeks: {participation.reduce((s, p) => s + p.attendees, 0)} attendances;{' '}
          {withheld(participation.filter((p) => p.suppressed).length)}.
        </figcaption>
      </figure>
      <figure aria-labelledby="outcome-cap" className="chart" data-chart="outcomes">
        <ResponsiveContainer width="100%" height={260}>
          <ComposedChart data={outcomes}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="week" />
            <YAxis domain={[0, 10]} />
            <Tooltip />
            <Legend />
            <Bar dataKey="suppressed" name="Suppressed (withheld)" fill="#d0d0d0" isAnimationActive={false} />
            <Line dataKey="wellbeing" name="Average wellbeing" stroke="#27ae60" connectNulls={false} isAnimationActive={false} />
            <Line dataKey="confidence" name="Average confidence" stroke="#8e44ad" connectNulls={false} isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
        <figcaption id="outcome-cap">
          Wellbeing outcomes per week (private check-ins, averages only): {withheld(outcomes.filter((p) => p.suppressed).length)}.
        </figcaption>
      </figure>
    </>
  );
}

function Partnerships({ groups }: { groups: Array<{ id: string; name: string }> }) {
  const { data, error } = useQuery(PartnershipsQuery);
  const [create, creating] = useMutation(CreateJointEventMutation);
  const [invite, inviting] = useMutation(InviteMutation, { refetchQueries: [PartnershipsQuery] });
  const [title, setTitle] = useState('');
  const [partner, setPartner] = useState('');
  if (error) return <ErrorNote error={error} />;
  if (!data) return null;
  const own = data.network.id;
  const active = data.partnerships.filter((p) => p.status === 'ACTIVE');
  const partnerOf = (p: (typeof active)[number]) => (p.requester.id === own ? p.partner : p.requester);
  const selectedPartner = partner || (active[0] ? partnerOf(active[0]).id : '');
  const submit = async () => {
    const start = new Date(Date.now() + 14 * 86_400_000);
    const made = await create({
      variables: {
        input: {
          title,
          startsAt: start.toISOString(),
          endsAt: new Date(start.getTime() + 2 * 3_600_000).toISOString(),
          format: 'ONLINE',
          hostGroupIds: groups.slice(0, 1).map((g) => g.id),
        },
      },
    });
    const id = made.data?.createJointEvent.id;
    if (id && selectedPartner) await invite({ variables: { jointEventId: id, networkId: selectedPartner } });
    setTitle('');
  };
  return (
    <>
      <section aria-labelledby="partners-h">
        <h2 id="partners-h">Partnerships</h2>
        {data.partnerships.length === 0 && <p>No partnerships yet.</p>}
        <ul>
          {data.partnerships.map((p) => (
            <li key={p.id}>
              <strong>{partnerOf(p).name}</strong> · {p.status.toLowerCase()} · shares {p.scopes.map((s) => s.toLowerCase().replace(/_/g, ' ')).join(', ')}
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="joint-h">
        <h2 id="joint-h">Joint events</h2>
        <ul>
          {data.jointEvents.nodes.map((e) => (
            <li key={e.id}>
              <strong>{e.title}</strong> · {new Date(e.startsAt).toLocaleDateString()} · hosted by {e.host.name} · with{' '}
              {e.participants.map((p) => `${p.network.name} (${p.status.toLowerCase()})`).join(', ')}
            </li>
          ))}
        </ul>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void submit().catch(() => undefined);
          }}
        >
          <label htmlFor="je-title">New joint event (in two weeks, online)</label>
          <input id="je-title" value={title} onChange={(e) => setTitle(e.target.value)} required />
          <label htmlFor="je-partner">Invite</label>
          <select id="je-partner" value={selectedPartner} onChange={(e) => setPartner(e.target.value)}>
            {active.map((p) => (
              <option key={p.id} value={partnerOf(p).id}>
                {partnerOf(p).name}
              </option>
            ))}
          </select>
          <button type="submit" disabled={creating.loading || inviting.loading || groups.length === 0}>
            Create and invite
          </button>
          <ErrorNote error={creating.error ?? inviting.error} />
        </form>
      </section>
    </>
  );
}
