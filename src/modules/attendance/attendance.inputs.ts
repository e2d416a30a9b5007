import { ArrayMaxSize, IsOptional, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { AttendanceStatus } from './attendance.entity';

export const MAX_ATTENDANCE_ENTRIES = 200;

@ArgsType()
export class CheckInArgs {
  @Field(() => ID, { description: 'The session to check in to.' })
  sessionId: string;

  @Field(() => ID, {
    nullable: true,
    description: "Who to check in, for a facilitator checking someone in; omit to check in yourself. Must be an ACTIVE member of the session's group.",
  })
  memberId?: string | null;

  @Field(() => Int, { nullable: true, description: 'Mood on arrival, 1 (low) to 5 (good). Checking in again with a mood updates it.' })
  @IsOptional()
  @Min(1)
  @Max(5)
  moodBefore?: number | null;
}

@InputType({ description: "One member's attendance, for `markAttendance`." })
export class AttendanceEntryInput {
  @Field(() => ID, { description: "The member; must be a member of the session's group." })
  memberId: string;

  @Field(() => AttendanceStatus, { description: 'Whether they were there.' })
  status: AttendanceStatus;
}

@ArgsType()
export class MarkAttendanceArgs {
  @Field(() => ID, { description: 'The session.' })
  sessionId: string;

  @Field(() => [AttendanceEntryInput], { description: `Up to ${MAX_ATTENDANCE_ENTRIES} members and their status; each member at most once.` })
  @ArrayMaxSize(MAX_ATTENDANCE_ENTRIES)
  entries: AttendanceEntryInput[];
}
