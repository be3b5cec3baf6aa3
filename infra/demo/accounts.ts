// Demo accounts for every role (demo mode only; listed in the README). One shared demo password.
import type pg from 'pg';
import { hashPassword, hashToken } from '../../server/auth/credentials.ts';
import { insertAccount, type NewAccount } from '../../server/accounts.ts';

export const DEMO_PASSWORD = 'CaoBang@2024';
/** A read-only API key of Sở Xây dựng (reader of the restricted BTS layer), for trying the feeds. */
export const DEMO_API_KEY = 'cbk_demo_so_xay_dung_read_only_key_0001';

export const demoAccounts: Omit<NewAccount, 'passwordHash'>[] = [
  { username: 'vanhanh', displayName: 'Quản trị nền tảng (TT Công nghệ số)', role: 'operator_admin', agencyCode: 'ttcns' },
  { username: 'admin.gtvt', displayName: 'Quản trị Sở GTVT', role: 'agency_admin', agencyCode: 'so_gtvt' },
  { username: 'bientap.gtvt', displayName: 'Biên tập viên Sở GTVT', role: 'editor', agencyCode: 'so_gtvt' },
  { username: 'bientap.quoclo', displayName: 'Biên tập viên quốc lộ', role: 'editor', agencyCode: 'so_gtvt', layers: ['giao_thong.quoc_lo'] },
  { username: 'admin.dothi', displayName: 'Quản trị UBND TP Cao Bằng', role: 'agency_admin', agencyCode: 'ubnd_tp_cao_bang' },
  { username: 'bientap.dothi', displayName: 'Biên tập viên hạ tầng đô thị', role: 'editor', agencyCode: 'ubnd_tp_cao_bang' },
  { username: 'bientap.vanhoa', displayName: 'Biên tập viên Sở VHTTDL', role: 'editor', agencyCode: 'so_vhttdl' },
  { username: 'bientap.tnmt', displayName: 'Biên tập viên Sở TN&MT', role: 'editor', agencyCode: 'so_tnmt' },
  { username: 'admin.tttt', displayName: 'Quản trị Sở TTTT', role: 'agency_admin', agencyCode: 'so_tttt' },
  { username: 'bientap.tttt', displayName: 'Biên tập viên Sở TTTT', role: 'editor', agencyCode: 'so_tttt' },
  { username: 'xem.xaydung', displayName: 'Cán bộ Sở Xây dựng (xem)', role: 'viewer', agencyCode: 'so_xay_dung' },
];

export async function loadDemoAccounts(client: pg.ClientBase): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const a of demoAccounts) await insertAccount(client, { ...a, passwordHash });
  await client.query(
    `insert into auth.api_clients (agency_id, name, key_hash, key_prefix, can_write)
     select id, 'Hệ thống quy hoạch Sở Xây dựng (demo)', $1, $2, false from catalog.agencies where code = 'so_xay_dung'`,
    [hashToken(DEMO_API_KEY), DEMO_API_KEY.slice(0, 12)],
  );
}
