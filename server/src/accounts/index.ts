/** Staff accounts, sessions, invites, roles and merchant settings (DESIGN.md §2, §9). */
export { AccountService, type Actor, type AccountServiceOptions, type Revocation, type SignIn, type Signup } from './service.js';
export { ACCOUNT_MIGRATIONS } from './schema.js';
export { AVATAR_COLORS, emailProblem, nameProblem } from './accounts.js';
export { cannedProblem } from './canned.js';
export { INVITE_TTL_MS, SETUP_TTL_MS } from './invites.js';
export { DEFAULT_LOGIN_LIMITS, LoginLimiter, type LoginLimits } from './login-limiter.js';
export { hashPassword, KEY_BYTES, MIN_PASSWORD_LENGTH, parseHash, SALT_BYTES, SCRYPT_PARAMS, verifyPassword } from './password.js';
export { DEFAULT_SESSION_LIFETIMES, type SessionLifetimes } from './sessions.js';
export { DEFAULT_TEXTS, mergeSettings, SETTINGS_LANGS, textsFor, type BotTexts, type Settings, type SettingsLang } from './settings.js';
export { hashToken, newSecretToken } from './tokens.js';
export { AccountError, isRole, roleAtLeast, ROLES, type Account, type AuthSession, type CannedReply, type Db, type Invite, type Role } from './types.js';
export { DEMO_OWNER_EMAIL, signInInstructions, type FirstRunOptions } from './first-run.js';
