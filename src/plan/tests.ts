// The yearly test schedule of the plan (PCI DSS 12.10.2: the incident response plan is
// reviewed and tested at least once every 12 months). Dated from the month after the plan is
// generated, so the printed plan says what is due when.

import type { Config } from '../core/config/index.ts';

export interface PlannedTest {
  /** The month it is due, YYYY-MM (or `every month`). */
  month: string;
  what: string;
  command: string;
  why: string;
}

function monthOf(now: number, ahead: number): string {
  const d = new Date(now);
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + ahead, 1));
  return m.toISOString().slice(0, 7);
}

export function yearlyTests(now: number, config: Config): PlannedTest[] {
  const channel = Object.keys(config.alerts.channels)[0];
  const out: PlannedTest[] = [
    {
      month: 'every month',
      what: 'Check the plan for gaps',
      command: 'ripcord plan check',
      why: 'contacts, off-site copies, alert channels and drills stay in place',
    },
  ];
  for (let i = 1; i <= 12; i++) {
    const month = monthOf(now, i);
    if (i % 3 === 1) {
      out.push({
        month,
        what: 'Restore drill: restore every backup somewhere temporary, verify and time it',
        command: 'ripcord backup drill',
        why: 'a backup is only as good as its last restore',
      });
      if (channel !== undefined)
        out.push({
          month,
          what: 'Test the alert channel',
          command: `ripcord alerts test ${channel}`,
          why: 'alerts must reach someone',
        });
    }
    if (i === 6)
      out.push({
        month,
        what: "Run the detection rules' own tests after updating Ripcord",
        command: 'ripcord rules test',
        why: 'detection still works on this version',
      });
    if (i === 12)
      out.push({
        month,
        what: 'Yearly exercise: walk through this plan with the developer on the demo shop (a simulated breach), check every contact, and regenerate the plan',
        command: 'ripcord plan',
        why: 'PCI DSS 12.10.2: test the incident response plan at least once every 12 months',
      });
  }
  return out;
}
