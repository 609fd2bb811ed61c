// Public face of the alerts subsystem: routing, grouping and durable delivery of findings to
// the owner's channels.
export type * from './ports.ts';
export { Dispatcher, type DispatcherOptions, type TickResult } from './dispatcher.ts';
export { Sender, backoff, type SenderOptions, type SendResult } from './sender.ts';
export { createRenderer, escapeChat, shippedTemplates, type Renderer } from './render.ts';
export {
  alertMessage,
  messageKey,
  nextCommands,
  shellArg,
  systemMessage,
  withAlertId,
  type MessageContext,
} from './message.ts';
export { globMatch, groupKeyOf, parseSilenceMatch, routesFor, silenceFields, silenceMatches } from './match.ts';
export { addToAlert, flush, openAlert } from './group.ts';
export { advance } from './cursor.ts';
export {
  startAlertsService,
  deliverOnce,
  loop,
  type AlertsService,
  type AlertsServiceDeps,
} from './service.ts';
export { pamFinding, pamService } from './pam.ts';
export {
  listAlerts,
  showAlert,
  ackAlert,
  addSilence,
  alertsStatus,
  type AlertView,
  type AlertDetail,
  type AlertsStatus,
} from './views.ts';
export { sendTestMessage, type TestResult } from './channel-test.ts';
