import { Foundation1764000000000 } from './1764000000000-Foundation';
import { GroupLife1764100000000 } from './1764100000000-GroupLife';
import { ListIndexes1764200000000 } from './1764200000000-ListIndexes';
import { Partnerships1764300000000 } from './1764300000000-Partnerships';
import { JointEvents1764400000000 } from './1764400000000-JointEvents';
import { JointEventAccess1764500000000 } from './1764500000000-JointEventAccess';
import { Evaluation1764600000000 } from './1764600000000-Evaluation';
import { RateLimits1764700000000 } from './1764700000000-RateLimits';
import { IdempotencyKeys1764710000000 } from './1764710000000-IdempotencyKeys';
import { LeastPrivilege1764800000000 } from './1764800000000-LeastPrivilege';
import { Erasure1764900000000 } from './1764900000000-Erasure';
import { RetentionConsent1764910000000 } from './1764910000000-RetentionConsent';
import { ReadAudit1764920000000 } from './1764920000000-ReadAudit';
import { ErasureUnlinked1764930000000 } from './1764930000000-ErasureUnlinked';
import { Webhooks1765000000000 } from './1765000000000-Webhooks';
import { Feeds1765010000000 } from './1765010000000-Feeds';
import { OwnerPolicies1765020000000 } from './1765020000000-OwnerPolicies';
import { Resources1765030000000 } from './1765030000000-Resources';
import { NormsHelp1765040000000 } from './1765040000000-NormsHelp';
import { TenantScaledPolicies1765050000000 } from './1765050000000-TenantScaledPolicies';
import { ServerRole1765060000000 } from './1765060000000-ServerRole';

/** Every migration, oldest first. TypeORM runs the pending ones at start and with `npm run migrate`. */
export const migrations = [
  Foundation1764000000000,
  GroupLife1764100000000,
  ListIndexes1764200000000,
  Partnerships1764300000000,
  JointEvents1764400000000,
  JointEventAccess1764500000000,
  Evaluation1764600000000,
  RateLimits1764700000000,
  IdempotencyKeys1764710000000,
  LeastPrivilege1764800000000,
  Erasure1764900000000,
  RetentionConsent1764910000000,
  ReadAudit1764920000000,
  ErasureUnlinked1764930000000,
  Webhooks1765000000000,
  Feeds1765010000000,
  OwnerPolicies1765020000000,
  Resources1765030000000,
  NormsHelp1765040000000,
  TenantScaledPolicies1765050000000,
  ServerRole1765060000000,
];
