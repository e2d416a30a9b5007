import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType } from '../../graphql/connection';
import { NetworkRole } from '../../graphql/principal';

/** Who read, by kind of credential. */
export enum ReaderKind {
  MEMBER = 'MEMBER',
  API_KEY = 'API_KEY',
}

registerEnumType(ReaderKind, {
  name: 'ReaderKind',
  description: 'The kind of credential that read a member’s data.',
  valuesConfig: {
    MEMBER: { description: 'A member of the network (shown by network role only).' },
    API_KEY: { description: "An integration's API key (shown by the key's name)." },
  },
});

/**
 * One read of the caller's personal data, as `myAccessLog` shows it: what was read, when, and by what kind of reader,
 * never who the reader is (no member ID or name: the reader's own data stays theirs).
 */
@ObjectType('AccessLogEntry', {
  description:
    "A read of the caller's personal data by someone else: when, which fields, and the reader's kind with its network role or API key name (never the reader's identity).",
})
export class AccessLogEntry {
  /** The audit entry's database id (the cursor's tie-breaker); not exposed. */
  id: string;

  @Field({ description: 'When the data was read.' })
  at: Date;

  @Field(() => [String], { description: 'The fields read in that operation, as schema coordinates, e.g. `Session.attendance`, `Member.email`.' })
  fields: string[];

  @Field(() => ReaderKind, { description: 'A member or an API key.' })
  readerKind: ReaderKind;

  @Field(() => NetworkRole, { nullable: true, description: "The reading member's network role at the time; null for API keys." })
  readerRole: NetworkRole | null;

  @Field(() => String, { nullable: true, description: "The reading API key's name at the time; null for members." })
  apiKeyName: string | null;
}

export const AccessLogEntryConnection = connectionType(AccessLogEntry, 'AccessLogEntry');
