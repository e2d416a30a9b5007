import { ArrayMaxSize } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, ID, Info, Query, Resolver } from 'type-graphql';
import { parseGlobalId } from './global-id';
import { startSelectedFields } from './lookahead';
import { Node, nodeFetcher, nodeLookahead } from './node';
import type { Context } from './context';
import type { GraphQLResolveInfo } from 'graphql';

@ArgsType()
class NodesArgs {
  @Field(() => [ID], { description: 'Up to 100 global IDs.' })
  @ArrayMaxSize(100)
  ids: string[];
}

/** Fetches any objects the caller may see by global ID, batched per type; unknown or hidden → null. */
async function fetchNodes(ctx: Context, globalIds: readonly string[]): Promise<Array<Node | null>> {
  const parsed = globalIds.map(parseGlobalId);
  const byType = new Map<string, string[]>();
  for (const p of parsed) if (p && nodeFetcher(p.type)) byType.set(p.type, [...(byType.get(p.type) ?? []), p.id]);
  const found = new Map<string, Node | null>();
  await Promise.all(
    [...byType].map(async ([type, ids]) => {
      const unique = [...new Set(ids)];
      const nodes = await nodeFetcher(type)!(ctx, unique);
      unique.forEach((id, i) => found.set(`${type}:${id}`, nodes[i]));
    }),
  );
  return parsed.map((p) => (p ? (found.get(`${p.type}:${p.id}`) ?? null) : null));
}

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: 'Fetches any object the caller may see by its global ID; null when unknown or not visible.' })
  async node(@Arg('id', () => ID, { description: 'A global ID.' }) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Node | null> {
    const fetching = fetchNodes(ctx, [id]);
    // The fields the object's type lets start early share the object's round trip (./lookahead.ts).
    const parsed = parseGlobalId(id);
    const lookahead = parsed && nodeLookahead(parsed.type);
    if (parsed && lookahead) startSelectedFields(ctx, info, parsed.type, lookahead.standIn(ctx, parsed.id), lookahead.fields);
    const [node] = await fetching;
    return node;
  }

  @Query(() => [Node], { nullable: 'items', description: 'Fetches several objects by global ID, in the same order; null for each unknown or hidden one.' })
  async nodes(@Args() { ids }: NodesArgs, @Ctx() ctx: Context): Promise<Array<Node | null>> {
    return fetchNodes(ctx, ids);
  }
}
