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

/**
 * A character that shows: not white space or a separator (\s, \p{Z}), not a control, format (zero-width space,
 * joiners, word joiner, BOM), private-use or unassigned code point (\p{C}), not a combining mark on its own (\p{M}),
 * not a default-ignorable filler (Hangul fillers, variation selectors: \p{DI}), not the blank Braille pattern.
 */
const VISIBLE = /[^\s\p{Z}\p{C}\p{M}\p{Default_Ignorable_Code_Point}\u2800]/u;

/**
 * A name or title someone can see: at least one visible character (VISIBLE), so nobody is called "" in a list.
 * Letters of any script and emoji are visible. `null`/`undefined` pass (pair with @IsOptional or a required field).
 */
export function HasVisibleCharacter(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'hasVisibleCharacter',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must not be blank: it needs a visible character, not only spaces or invisible ones`, ...options },
      validator: { validate: (value: unknown) => value == null || (typeof value === 'string' && VISIBLE.test(value)) },
    });
}
