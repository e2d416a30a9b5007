import { registerDecorator, type ValidationOptions } from 'class-validator';
import { IANAZone } from 'luxon';

/** Shared input rules for class-validator, used by several features. */

/** An IANA time zone name that this server knows, e.g. `Europe/Berlin`. */
export function IsTimeZone(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an IANA time zone such as Europe/Berlin`, ...options },
      validator: { validate: (value: unknown) => value == null || (typeof value === 'string' && IANAZone.isValidZone(value)) },
    });
}

/** Lower-case slugs: letters, digits and single dashes, e.g. `addiction-recovery`. */
export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Contains something other than white space. */
export const NOT_BLANK = /\S/;
