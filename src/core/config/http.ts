// Config schema of the HTTP API (`http:`): where `ripcord run` serves it. Off unless set; on
// loopback by default when set, behind a reverse proxy for TLS (see docs).

import { z } from 'zod';

export const httpSchema = z
  .strictObject({
    listen: z
      .string()
      .regex(/^(?:\[[0-9a-f:]+\]|[0-9.]+|localhost):\d{1,5}$/i, 'expected HOST:PORT, e.g. 127.0.0.1:8484')
      .nullable()
      .default(null)
      .describe(
        'HOST:PORT the API listens on under `ripcord run` (e.g. 127.0.0.1:8484); null: no API. Put a reverse proxy with TLS in front before listening beyond loopback.',
      ),
  })
  .prefault({});
