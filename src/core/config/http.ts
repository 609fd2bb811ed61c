// Config schema of the HTTP API (`http:`): where `ripcord run` serves it. Off unless set; on
// loopback by default when set; TLS behind a reverse proxy or from a certificate and key here.

import { z } from 'zod';

export const httpSchema = z
  .strictObject({
    listen: z
      .string()
      .regex(/^(?:\[[0-9a-f:]+\]|[0-9.]+|localhost):\d{1,5}$/i, 'expected HOST:PORT, e.g. 127.0.0.1:8484')
      .nullable()
      .default(null)
      .describe(
        'HOST:PORT the API listens on under `ripcord run` (e.g. 127.0.0.1:8484); null: no API. Put a reverse proxy with TLS in front before listening beyond loopback, or set http.tls.',
      ),
    tls: z
      .strictObject({
        cert: z.string().min(1).describe('PEM certificate chain file (e.g. /etc/letsencrypt/live/NAME/fullchain.pem).'),
        key: z.string().min(1).describe('PEM private key file (readable by Ripcord only).'),
      })
      .nullable()
      .default(null)
      .describe('Serve HTTPS directly with this certificate and key; null: plain HTTP (loopback or behind a proxy).'),
  })
  .prefault({});
