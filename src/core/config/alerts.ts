// Config schema of owner notifications (`alerts:`). Filled in by the alerts subsystem.

import { z } from 'zod';

export const alertsSchema = z.strictObject({}).optional().describe('Channels and routing of notifications to the owner.');
