// Every operation the app runs, typed by graphql-codegen's client preset (npm run codegen → src/gql/).
import { graphql } from './gql';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      role
      expiresAt
      member {
        id
        displayName
        memberships(first: 20, status: ACTIVE) {
          nodes {
            id
            role
            group {
              id
              name
            }
          }
        }
      }
      network {
        id
        name
        minimumAggregateSize
      }
    }
  }
`);

export const FindGroupsQuery = graphql(`
  query FindGroups($topic: String, $after: String) {
    groups(topic: $topic, first: 5, after: $after) {
      edges {
        cursor
        node {
          id
          name
          description
          topics
          memberCount
          viewerMembership {
            id
            status
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const GroupDetailQuery = graphql(`
  query GroupDetail($id: ID!) {
    node(id: $id) {
      ... on Group {
        __typename
        id
        name
        description
        topics
        norms
        normsVersion
        viewerMembership {
          id
          status
          role
          needsNormsAcceptance
        }
        nextSession {
          id
          title
          startsAt
          status
          viewerRsvp {
            id
            status
          }
        }
        resources(first: 5) {
          edges {
            cursor
            node {
              id
              title
              url
              kind
              body
              anonymous
              author {
                id
                displayName
              }
            }
          }
          pageInfo {
            hasNextPage
            endCursor
          }
        }
      }
    }
  }
`);

export const JoinGroupMutation = graphql(`
  mutation JoinGroup($groupId: ID!) {
    joinGroup(groupId: $groupId, acceptNorms: true) {
      id
      status
      role
      needsNormsAcceptance
      group {
        id
        memberCount
        viewerMembership {
          id
          status
        }
      }
    }
  }
`);

export const RsvpMutation = graphql(`
  mutation Rsvp($sessionId: ID!, $status: RsvpStatus!) {
    rsvp(sessionId: $sessionId, status: $status) {
      id
      status
      session {
        id
        viewerRsvp {
          id
          status
        }
      }
    }
  }
`);

export const CheckInMutation = graphql(`
  mutation CheckIn($sessionId: ID!, $moodBefore: Int) {
    checkIn(sessionId: $sessionId, moodBefore: $moodBefore) {
      id
      status
      checkedInAt
      firstSession
    }
  }
`);

export const SubmitFeedbackMutation = graphql(`
  mutation SubmitFeedback($sessionId: ID!, $input: FeedbackInput!) {
    submitFeedback(sessionId: $sessionId, input: $input) {
      id
      rating
    }
  }
`);

export const GratitudeMutation = graphql(`
  mutation Gratitude($sessionId: ID!, $text: String!, $anonymous: Boolean) {
    addGratitudeNote(sessionId: $sessionId, text: $text, anonymous: $anonymous) {
      id
      text
    }
  }
`);

export const PostResourceMutation = graphql(`
  mutation PostResource($groupId: ID!, $input: PostResourceInput!) {
    postResource(groupId: $groupId, input: $input) {
      id
      title
      url
      kind
      body
      anonymous
      author {
        id
        displayName
      }
    }
  }
`);

export const RecordWellbeingMutation = graphql(`
  mutation RecordWellbeing($input: WellbeingInput!) {
    recordWellbeing(input: $input) {
      id
      wellbeing
      confidence
      suggestedHelp {
        id
        name
        description
        phone
        url
        openingHours
      }
    }
  }
`);

export const BoardQuery = graphql(`
  query Board($groupId: ID!) {
    node(id: $groupId) {
      ... on Group {
        __typename
        id
        name
        nextSession {
          id
          title
          status
          startsAt
          attendanceCount
          attendance(first: 100) {
            edges {
              cursor
              node {
                id
                status
                checkedInAt
                member {
                  id
                  displayName
                }
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
          feedbackSummary {
            responses
            averageRating
            averageMoodChange
            suppressed
          }
        }
      }
    }
  }
`);

export const AttendanceSubscription = graphql(`
  subscription AttendanceChanged($sessionId: ID!) {
    attendanceChanged(sessionId: $sessionId) {
      id
      status
      checkedInAt
      member {
        id
        displayName
      }
    }
  }
`);

export const DriftingQuery = graphql(`
  query Drifting($groupId: ID!, $after: String) {
    driftingMembers(groupId: $groupId, first: 10, after: $after) {
      edges {
        cursor
        node {
          missedInARow
          lastAttendedAt
          lastOutreachAt
          membership {
            id
            member {
              id
              displayName
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const RecordOutreachMutation = graphql(`
  mutation RecordOutreach($membershipId: ID!, $input: OutreachInput!) {
    recordOutreach(membershipId: $membershipId, input: $input) {
      id
    }
  }
`);

export const AdminGroupsQuery = graphql(`
  query AdminGroups {
    groups(first: 50) {
      edges {
        cursor
        node {
          id
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const TrendsQuery = graphql(`
  query Trends($groupId: ID!, $from: DateTime!, $to: DateTime!) {
    node(id: $groupId) {
      ... on Group {
        __typename
        id
        name
        health(from: $from, to: $to) {
          sessionsHeld
          newcomers
          attendanceRate
          averageAttendance
          retentionRate
          averageRating
          averageMoodChange
          suppressed
        }
      }
    }
    participationTrend(groupId: $groupId, from: $from, to: $to, interval: WEEK) {
      periodStart
      sessions
      attendees
      attendanceRate
      suppressed
    }
    outcomeTrend(groupId: $groupId, from: $from, to: $to, interval: WEEK) {
      periodStart
      respondents
      averageWellbeing
      averageConfidence
      suppressed
    }
  }
`);

export const PartnershipsQuery = graphql(`
  query Partnerships {
    network {
      id
    }
    partnerships {
      id
      status
      scopes
      requester {
        id
        name
      }
      partner {
        id
        name
      }
    }
    jointEvents(first: 10) {
      nodes {
        id
        title
        startsAt
        status
        host {
          id
          name
        }
        participants {
          network {
            id
            name
          }
          status
        }
      }
    }
  }
`);

export const CreateJointEventMutation = graphql(`
  mutation CreateJointEvent($input: CreateJointEventInput!) {
    createJointEvent(input: $input) {
      id
      title
    }
  }
`);

export const InviteMutation = graphql(`
  mutation InviteToJointEvent($jointEventId: ID!, $networkId: ID!) {
    inviteToJointEvent(jointEventId: $jointEventId, networkId: $networkId) {
      status
      network {
        id
        name
      }
    }
  }
`);

export const GiveConsentMutation = graphql(`
  mutation GiveWellbeingConsent {
    giveConsent(purpose: WELLBEING_TRACKING) {
      purpose
      active
    }
  }
`);
