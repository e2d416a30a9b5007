import { Member } from './member.entity';
import type { Row } from '../../db/sql';

/**
 * The member's columns a list joins in (`mb` = members), prefixed `_m_`, so each listed row carries its member and
 * `member { … }` costs no further read. One definition for every list that does so (memberships, attendance).
 */
export const PRELOADED_MEMBER_COLUMNS = `mb.display_name AS "_m_display_name", mb.email AS "_m_email", mb.role AS "_m_role",
  mb.created_at AS "_m_created_at", mb.erased_at AS "_m_erased_at"`;

/** The member of a row selected with PRELOADED_MEMBER_COLUMNS. */
export function preloadedMember(row: Row, id: string, networkId: string): Member {
  return Object.assign(new Member(), {
    id,
    networkId,
    displayName: row._m_display_name as string,
    email: row._m_email as string | null,
    role: row._m_role as Member['role'],
    createdAt: row._m_created_at as Date,
    erasedAt: row._m_erased_at as Date | null,
  });
}
