/**
 * Email continuity (issue 14, DESIGN.md §10). This folder's public face:
 * reply addresses (both halves), and the inbound half that turns emailed
 * replies into visitor messages.
 */
export { conversationOfMessageId, INBOUND_LOCAL_PART, parseReplyAddress, replyAddress, threadMessageId, type ReplyAddressKeys } from './address.js';
export { autoReplyReason, type HeaderLookup } from './auto-reply.js';
export { clientMsgIdOf, importEmail, type ImportDeps, type ImportOutcome } from './import.js';
export { backoffMs, ImapInbox, ImapState, LOOKBACK_DAYS, mayBeForAConversation, type HandledMail, type ImapInboxOptions, type ImapStatus } from './imap.js';
export { parseImapUrl, redact, type ImapTarget } from './imap-url.js';
export { replyText, type OmittedAttachment } from './reply-text.js';
export { startEmailInbound, type EmailInbound, type EmailInboundOptions } from './inbound.js';
