import type { NonEmptyArray } from 'type-graphql';
import { NodeResolver } from '../graphql/node.resolver';
import { ApiKey } from './auth/api-key.entity';
import { ApiKeyResolver } from './auth/api-key.resolver';
import { Member } from './members/member.entity';
import { MemberResolver } from './members/member.resolver';
import { Network } from './networks/network.entity';
import { NetworkResolver, ViewerResolver } from './networks/network.resolver';

/** The features' entities and resolvers: adding a feature means adding it here, once. */
export const entities = [Network, Member, ApiKey];

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [
  NodeResolver,
  NetworkResolver,
  ViewerResolver,
  MemberResolver,
  ApiKeyResolver,
];
