import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** What a member may consent to. One value per purpose the law wants explicit consent for; more may follow. */
export enum ConsentPurpose {
  WELLBEING_TRACKING = 'WELLBEING_TRACKING',
}
registerEnumType(ConsentPurpose, {
  name: 'ConsentPurpose',
  description: 'A purpose a member gives explicit consent to (health data, GDPR Art. 9(2)(a)).',
  valuesConfig: {
    WELLBEING_TRACKING: { description: 'Recording private wellbeing check-ins (`recordWellbeing`).' },
  },
});

/** One grant of consent: given at a time, and possibly withdrawn later. */
@ObjectType('Consent', { description: "One grant of a member's consent to a purpose: when it was given and, if so, when it was withdrawn." })
export class Consent {
  @Field(() => ConsentPurpose, { description: 'What the consent is for.' })
  purpose: ConsentPurpose;

  @Field({ description: 'When the member gave it.' })
  givenAt: Date;

  @Field(() => Date, { nullable: true, description: 'When the member withdrew it; null while it holds.' })
  withdrawnAt: Date | null;

  @Field({ description: 'True while the consent holds (given and not withdrawn).' })
  active: boolean;
}
