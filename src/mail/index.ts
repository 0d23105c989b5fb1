/** gatehouse mail: the messages, their templates, the transports (SMTP, .eml files) and the outbox delivery. */
export {
  createMailDelivery,
  type MailDelivery,
  type MailDeliveryOptions,
  planRetryMs,
} from './delivery.js';
export {
  escapeHtml,
  type MailBrand,
  type MailContent,
  type MailKind,
  type MailMessage,
  renderMail,
} from './message.js';
export type { ClaimedMessage, OutboxStore } from './outbox.js';
export {
  createFileTransport,
  createSmtpTransport,
  type MailLogger,
  type MailTransport,
  MailTransportError,
} from './transport.js';
