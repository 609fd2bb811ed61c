// The customer queries for the shop platforms we know (Magento 2, WooCommerce, PrestaShop) and
// an owner's own SELECT, each narrowed to the incident's scope. Every preset returns the same
// columns (id, email, first_name, last_name, country, region); adapters page through the
// result by id. Values travel as `?` parameters; the table prefix is checked before use.

import { AppError } from '../core/errors.ts';
import type { CustomerQuery, CustomerScope } from './ports.ts';

export interface PresetSql {
  /** A SELECT with the standard columns; `?` placeholders. */
  sql: string;
  params: (string | number)[];
}

const PREFIX = /^[A-Za-z0-9_]*$/;

/** `2026-11-02T09:30:00Z` or `2026-11-02` -> `2026-11-02 09:30:00`, which all three databases compare. */
function sqlTime(flag: string, text: string): string {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new AppError('usage', `${flag}: not a date or date-time: ${text}`);
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

interface Columns {
  created: string;
  active: string;
  card: string | null;
  password: string;
}

function where(scope: CustomerScope, c: Columns, base: string[], preset: string): PresetSql {
  const conds = [...base];
  const params: string[] = [];
  const range = (col: string, from: string | undefined, to: string | undefined, name: string): void => {
    if (from !== undefined) {
      conds.push(`${col} >= ?`);
      params.push(sqlTime(`--${name}-from`, from));
    }
    if (to !== undefined) {
      conds.push(`${col} < ?`);
      params.push(sqlTime(`--${name}-to`, to));
    }
  };
  range(c.created, scope.createdFrom, scope.createdTo, 'created');
  range(c.active, scope.activeFrom, scope.activeTo, 'active');
  if (scope.hasCard !== undefined) {
    if (c.card === null)
      throw new AppError('usage', `--has-card: ${preset} keeps no stored cards; leave the flag out`, {
        where: 'notices audience import',
      });
    conds.push(scope.hasCard ? c.card : `NOT ${c.card}`);
  }
  if (scope.hasPassword !== undefined) conds.push(scope.hasPassword ? c.password : `NOT (${c.password})`);
  return { sql: conds.length > 0 ? ` WHERE ${conds.join(' AND ')}` : '', params };
}

export function presetSql(q: CustomerQuery): PresetSql {
  const p = q.prefix ?? (q.preset === 'woocommerce' ? 'wp_' : q.preset === 'prestashop' ? 'ps_' : '');
  if (!PREFIX.test(p)) throw new AppError('usage', '--prefix may only have letters, digits and _');
  switch (q.preset) {
    case 'magento2': {
      const w = where(
        q.scope,
        {
          created: 'c.created_at',
          active: 'c.updated_at',
          card: `EXISTS (SELECT 1 FROM ${p}vault_payment_token v WHERE v.customer_id = c.entity_id AND v.is_active = 1)`,
          password: "c.password_hash IS NOT NULL AND c.password_hash <> ''",
        },
        [],
        'Magento 2',
      );
      return {
        sql: `SELECT c.entity_id AS id, c.email AS email, c.firstname AS first_name, c.lastname AS last_name,
  a.country_id AS country, COALESCE(r.code, a.region) AS region
FROM ${p}customer_entity c
LEFT JOIN ${p}customer_address_entity a ON a.entity_id = c.default_billing
LEFT JOIN ${p}directory_country_region r ON r.region_id = a.region_id${w.sql}`,
        params: w.params,
      };
    }
    case 'woocommerce': {
      const meta = (key: string): string =>
        `(SELECT m.meta_value FROM ${p}usermeta m WHERE m.user_id = l.user_id AND m.meta_key = '${key}' LIMIT 1)`;
      const w = where(
        q.scope,
        {
          created: 'l.date_registered',
          active: 'l.date_last_active',
          card: `EXISTS (SELECT 1 FROM ${p}woocommerce_payment_tokens t WHERE t.user_id = l.user_id)`,
          password: "u.user_pass IS NOT NULL AND u.user_pass <> ''",
        },
        [],
        'WooCommerce',
      );
      return {
        sql: `SELECT l.customer_id AS id, COALESCE(NULLIF(l.email, ''), u.user_email) AS email,
  COALESCE(NULLIF(l.first_name, ''), ${meta('billing_first_name')}) AS first_name,
  COALESCE(NULLIF(l.last_name, ''), ${meta('billing_last_name')}) AS last_name,
  COALESCE(NULLIF(l.country, ''), ${meta('billing_country')}) AS country,
  COALESCE(NULLIF(l.state, ''), ${meta('billing_state')}) AS region
FROM ${p}wc_customer_lookup l
LEFT JOIN ${p}users u ON u.ID = l.user_id${w.sql}`,
        params: w.params,
      };
    }
    case 'prestashop': {
      const w = where(
        q.scope,
        { created: 'c.date_add', active: 'c.date_upd', card: null, password: "c.is_guest = 0 AND c.passwd <> ''" },
        ['c.deleted = 0'],
        'PrestaShop',
      );
      return {
        sql: `SELECT c.id_customer AS id, c.email AS email, c.firstname AS first_name, c.lastname AS last_name,
  co.iso_code AS country, s.iso_code AS region
FROM ${p}customer c
LEFT JOIN ${p}address a ON a.id_address =
  (SELECT MAX(a2.id_address) FROM ${p}address a2 WHERE a2.id_customer = c.id_customer AND a2.deleted = 0)
LEFT JOIN ${p}country co ON co.id_country = a.id_country
LEFT JOIN ${p}state s ON s.id_state = a.id_state${w.sql}`,
        params: w.params,
      };
    }
    case 'custom': {
      const sql = (q.sql ?? '').trim().replace(/;\s*$/, '');
      if (!/^(select|with)\b/i.test(sql))
        throw new AppError(
          'usage',
          '--query must be one SELECT returning id, email (and first_name, last_name, country, region)',
        );
      if (sql.includes(';')) throw new AppError('usage', '--query must be a single statement');
      if (Object.values(q.scope).some((v) => v !== undefined))
        throw new AppError('usage', 'with --preset custom, put the scope into the query itself');
      return { sql, params: [] };
    }
  }
}

/** One page of a preset's rows after the last id seen (keyset paging: no OFFSET, steady memory). */
export function pageSql(inner: PresetSql, after: string | number | null, limit: number): PresetSql {
  return {
    sql: `SELECT q.* FROM (${inner.sql}) q${
      after === null ? '' : ' WHERE q.id > ?'
    } ORDER BY q.id LIMIT ${Math.floor(limit)}`,
    params: after === null ? inner.params : [...inner.params, after],
  };
}
