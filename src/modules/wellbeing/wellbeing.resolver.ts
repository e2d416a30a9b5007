import { Resolver } from 'type-graphql';

/** Placeholder: filled in by the feature's implementation. */
@Resolver()
export class WellbeingResolver {}
