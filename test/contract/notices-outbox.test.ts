// NoticeStore contract and the sender on it, on SQLite and PostgreSQL, with a scripted mailer:
// one row per (notice version, address) across campaigns; deferred messages are retried and
// refused ones failed; a row is `sent` only after the relay's reply; a connection lost after the
// message's end leaves the row in doubt, never sent twice, and the relay's log settles it; a dead
// sender's rows are recovered (claimed → pending, in flight → uncertain); pause stops a send.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlAudienceStore } from '../../src/adapters/db/notices-audience-store.ts';
import { SqlNoticeStore } from '../../src/adapters/db/notices-outbox-store.ts';
import {
  chooseVariant,
  parseTemplate,
  compileNotice,
  recoverDeadSender,
  relayLogRows,
  SendFailure,
  sendCampaign,
  settleUncertain,
  type CampaignRecord,
  type NoticeMailer,
  type OutgoingNotice,
  type Recipient,
} from '../../src/notices/index.ts';
import { dbFactories, factoryOptions } from '../helpers/db.ts';
import type { Db } from '../../src/adapters/db/db.ts';

const V1 = 'a1'.repeat(32);

const template = parseTemplate(
  't',
  '---\ntitle: Notice\nsubject: "Hello {{ recipient.name }}"\n---\nDear {{ recipient.name }}, {{ shop.name }}.\n',
);
const renderers = new Map([['general', compileNotice(template, { shop: { name: 'Shop' } })]]);

const person = (i: number): Recipient => ({
  key: `p${i}@x.com`,
  email: `p${i}@x.com`,
  name: `Person ${i}`,
  firstName: null,
  lastName: null,
  country: 'US',
  region: 'CA',
  jurisdiction: 'US-CA',
  source: `line ${i + 2}`,
  extra: {},
});

/** A relay that accepts everything except what `script` says, and logs what it took. */
function scriptedMailer(script: (m: OutgoingNotice, n: number) => SendFailure | 'drop-after-end' | null): {
  mailer: NoticeMailer;
  accepted: OutgoingNotice[];
  log: string[];
} {
  const accepted: OutgoingNotice[] = [];
  const log: string[] = [];
  let n = 0;
  return {
    accepted,
    log,
    mailer: {
      async send(m, beforeEnd) {
        const what = script(m, n++);
        if (what instanceof SendFailure) throw what;
        await beforeEnd();
        // the relay has the whole message: it takes it (and logs it) even if the reply is lost
        accepted.push(m);
        log.push(`cleanup: message-id=${m.messageId}`);
        if (what === 'drop-after-end') throw new SendFailure('uncertain', 'connection lost', null);
        return { reply: '250 2.0.0' };
      },
      async close() {},
    },
  };
}

async function setup(db: Db, people: number, name = 'c1') {
  const audiences = new SqlAudienceStore(db);
  await audiences.init();
  const store = new SqlNoticeStore(db);
  await store.init();
  const a = (await audiences.audience('all')) ?? (await audiences.createAudience('all', 'test'));
  if (a.recipients === 0)
    await audiences.addBatch(
      a.id,
      Array.from({ length: people }, (_, i) => person(i)),
      [],
    );
  const variants = { '*': 'general' };
  const c = await store.createCampaign({
    name,
    audienceId: a.id,
    template: 'general',
    variants,
    sources: { general: 'x' },
    values: {},
    version: V1,
    incident: null,
  });
  const page = await audiences.recipients(a.id, 0, 100_000);
  await store.fillOutbox(
    c.id,
    c.version,
    page.map((p) => ({ pos: p.pos, key: p.recipient.key, variant: chooseVariant(p.recipient.jurisdiction, variants) })),
  );
  await store.setStatus(c.id, 'sending', ['creating']);
  return { store, campaign: (await store.campaign(name)) as CampaignRecord };
}

const opts = { rate: 0, concurrency: 3, from: 'Shop <privacy@shop.example>', retryBaseMs: 20 };

for (const f of dbFactories) {
  test(`notices on ${f.name}: all sent once; deferred retried, refused failed`, await factoryOptions(f), async () => {
    const t = await f.create();
    try {
      const { store, campaign } = await setup(t.db, 40);
      let deferred = 0;
      const { mailer, accepted } = scriptedMailer((m) => {
        if (m.to.address === 'p5@x.com') return new SendFailure('permanent', 'refused: SMTP 550 5.1.1', '550 5.1.1');
        if (m.to.address === 'p7@x.com' && deferred++ < 2)
          return new SendFailure('transient', 'deferred: SMTP 451', '451');
        return null;
      });
      const r = await sendCampaign(store, mailer, campaign, renderers, opts);
      assert.equal(r.outcome, 'done');
      assert.deepEqual(
        { sent: r.counts.sent, failed: r.counts.failed, uncertain: r.counts.uncertain, pending: r.counts.pending },
        { sent: 39, failed: 1, uncertain: 0, pending: 0 },
      );
      assert.equal(accepted.length, 39);
      assert.equal(new Set(accepted.map((m) => m.to.address)).size, 39, 'nobody got two');
      assert.equal(deferred, 3, 'the deferred message was tried until the relay took it');
      assert.equal(accepted[0]?.subject, 'Hello Person 0');
      const recs = await store.records(campaign.id, 0, 100);
      const p5 = recs.find((x) => x.email === 'p5@x.com');
      assert.equal(p5?.status, 'failed');
      assert.equal(p5?.reply, '550 5.1.1');
      const p7 = recs.find((x) => x.email === 'p7@x.com');
      assert.deepEqual([p7?.status, p7?.attempts], ['sent', 3]);
      assert.match(p7?.messageId ?? '', /^<ripcord\.notice\.\d+\.\d+\.[0-9a-f]{12}@shop\.example>$/);
      assert.equal((await store.campaign(String(campaign.id)))?.status, 'done');
      assert.equal((await store.campaign(String(campaign.id)))?.sender, null, 'the lock is released');

      // the same notice version to the same people in another campaign: nobody is queued twice
      const again = await store.createCampaign({ ...campaign, name: 'c2' });
      const page = await new SqlAudienceStore(t.db).recipients(campaign.audienceId, 0, 1000);
      await store.fillOutbox(
        again.id,
        V1,
        page.map((p) => ({ pos: p.pos, key: p.recipient.key, variant: 'general' })),
      );
      assert.equal((await store.counts(again.id)).pending, 0);
    } finally {
      await t.cleanup();
    }
  });

  test(
    `notices on ${f.name}: a lost reply is in doubt, never resent; the relay log settles it`,
    await factoryOptions(f),
    async () => {
      const t = await f.create();
      try {
        const { store, campaign } = await setup(t.db, 20);
        const { mailer, accepted, log } = scriptedMailer((m) =>
          m.to.address === 'p3@x.com' || m.to.address === 'p4@x.com' ? 'drop-after-end' : null,
        );
        const r = await sendCampaign(store, mailer, campaign, renderers, opts);
        assert.deepEqual([r.counts.sent, r.counts.uncertain], [18, 2]);
        assert.equal((await store.campaign(String(campaign.id)))?.status, 'paused', 'in doubt: not done');
        // without a log nothing is decided
        assert.deepEqual(await settleUncertain(store, campaign.id, null, false, Date.now()), {
          sent: 0,
          resend: 0,
          left: 2,
        });
        // the relay's log names p3's message only: p3 was taken, p4's must go again
        const p4 = (await store.records(campaign.id, 0, 100)).find((x) => x.email === 'p4@x.com');
        const rows = relayLogRows(log.filter((l) => !l.includes(`.${p4?.id}.`)).join('\n'));
        assert.deepEqual(await settleUncertain(store, campaign.id, rows, false, Date.now()), {
          sent: 1,
          resend: 1,
          left: 0,
        });
        await store.setStatus(campaign.id, 'sending', ['paused']);
        const fine = scriptedMailer(() => null);
        const r2 = await sendCampaign(
          store,
          fine.mailer,
          (await store.campaign('c1')) as CampaignRecord,
          renderers,
          opts,
        );
        assert.deepEqual([r2.counts.sent, r2.counts.uncertain], [20, 0]);
        assert.deepEqual(
          fine.accepted.map((m) => m.to.address),
          ['p4@x.com'],
        );
        assert.equal(accepted.length, 20);
      } finally {
        await t.cleanup();
      }
    },
  );

  test(
    `notices on ${f.name}: a dead sender's rows are recovered; a live one is not taken over`,
    await factoryOptions(f),
    async () => {
      const t = await f.create();
      try {
        const { store, campaign } = await setup(t.db, 10);
        const dead = { token: 'dead', host: (await import('node:os')).hostname(), pid: 999_999, heartbeat: Date.now() };
        assert.ok(await store.lock(campaign.id, dead, null));
        const claimed = await store.claim(campaign.id, 'dead', Date.now(), 3);
        assert.equal(claimed.length, 3);
        await store.markSending(claimed[0]?.id ?? 0, 'dead', '<m>');
        // a live sender (this process) holds it: refused
        const live = { ...dead, token: 'live', pid: process.pid };
        const c1 = (await store.campaign('c1')) as CampaignRecord;
        await assert.rejects(
          sendCampaign(store, scriptedMailer(() => null).mailer, { ...c1, sender: live }, renderers, opts),
          /being sent by process/,
        );
        assert.equal(await recoverDeadSender(store, c1, { alive: () => false }), 1);
        const k = await store.counts(campaign.id);
        assert.deepEqual([k.pending, k.claimed, k.sending, k.uncertain], [9, 0, 0, 1]);
        assert.equal((await store.campaign('c1'))?.sender, null);
      } finally {
        await t.cleanup();
      }
    },
  );

  test(
    `notices on ${f.name}: pause stops the sender after the messages in flight`,
    await factoryOptions(f),
    async () => {
      const t = await f.create();
      try {
        const { store, campaign } = await setup(t.db, 60);
        let paused = false;
        const { mailer, accepted } = scriptedMailer(() => null);
        const slow: NoticeMailer = {
          async send(m, beforeEnd) {
            if (accepted.length === 10 && !paused) {
              paused = true;
              await store.setStatus(campaign.id, 'paused', ['sending']);
            }
            return mailer.send(m, beforeEnd);
          },
          close: mailer.close,
        };
        const r = await sendCampaign(store, slow, campaign, renderers, { ...opts, concurrency: 1 });
        assert.equal(r.outcome, 'paused');
        assert.ok(r.counts.sent < 60 && r.counts.sent >= 10, `sent ${r.counts.sent}`);
        assert.equal(r.counts.claimed + r.counts.sending, 0, 'nothing left claimed');
        assert.equal(r.counts.sent + r.counts.pending, 60);
      } finally {
        await t.cleanup();
      }
    },
  );
}
