// Config schema of several web servers feeding one Ripcord (`hosts:`): the name this server
// writes under (on its sources and findings), and when a silent agent raises an alert.

import { z } from 'zod';

export const hostsSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/, 'a host name: letters, digits, dots and dashes')
      .nullable()
      .default(null)
      .describe("This server's name in the shared store; null: the machine's host name."),
    quietAfterMinutes: z
      .number()
      .min(0.05)
      .max(1440)
      .default(10)
      .describe('An agent not heard from for this long raises an alert (`ripcord run --role server`).'),
  })
  .prefault({});
