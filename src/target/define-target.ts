import { BazaarError } from '../errors.ts';
import { CAPABILITIES, type OperationName, type PushName, type TargetProfile } from './types.ts';

const OPERATIONS: readonly OperationName[] = [
  'listing:watch', 'listing:unwatch', 'booking:join', 'booking:leave', 'message:send', 'typing:start', 'typing:stop',
  'read:mark', 'presence:watch', 'presence:unwatch', 'presence:heartbeat',
  'listing:changePrice', 'booking:create', 'booking:transition', 'booking:history',
];
const PUSHES: readonly PushName[] = [
  'message:new', 'typing:start', 'typing:stop', 'read:updated', 'presence:changed',
  'listing:priceChanged', 'listing:availabilityChanged', 'booking:statusChanged', 'notification',
];
const IDENTITIES = ['jwt', 'login', 'custom', 'contract'];

const bad = (what: string, fix: string) => new BazaarError('BAZAAR_BAD_PROFILE', `target profile: ${what}`, fix);
const isFn = (value: unknown) => typeof value === 'function';
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkWorldStep(name: string, step: unknown): void {
  if (!isObject(step)) throw bad(`world.${name} is ${JSON.stringify(step)}`, 'give { request, result }, { create(input, api) }, or { fixed: [...] }');
  if ('fixed' in step) {
    if (!Array.isArray(step.fixed) || step.fixed.length === 0 || !step.fixed.every((r) => isObject(r) && typeof r.id === 'string')) {
      throw bad(`world.${name}.fixed must be a non-empty array of records with a string id`, `e.g. fixed: [{ id: 'c1' }, { id: 'c2' }]`);
    }
  } else if ('create' in step) {
    if (!isFn(step.create)) throw bad(`world.${name}.create is not a function`, 'create(input, api) returns a promise of the record ({ id, ... })');
  } else if (!isFn(step.request) || !isFn(step.result)) {
    throw bad(`world.${name} needs request(input) and result(response, input)`, 'or give create(input, api), or fixed: [...]');
  }
}

/**
 * Declare how a server speaks (docs/profiles.md): the identity function, with validation, so
 * a `bazaar.target.ts` gets types in the editor and a mistake in it is reported when it is
 * loaded, naming the field, rather than as a confusing failure halfway through a run.
 */
export function defineTarget<P extends TargetProfile>(profile: P): P {
  if (!isObject(profile)) throw bad('the default export is not an object', 'export default defineTarget({ name, identity, world, operations, pushes })');
  if (typeof profile.name !== 'string' || !profile.name) throw bad('name is missing', 'give a name, shown in reports: name: \'chat app\'');
  if (profile.url !== undefined && !/^https?:\/\//.test(String(profile.url))) throw bad(`url ${JSON.stringify(profile.url)} is not an http(s) URL`, 'e.g. url: \'http://localhost:3000\'');
  const identity = profile.identity as unknown;
  if (!isObject(identity) || !IDENTITIES.includes(String(identity.type))) {
    throw bad(`identity.type is ${JSON.stringify(isObject(identity) ? identity.type : identity)}`, `one of ${IDENTITIES.join(', ')}`);
  }
  if (identity.type === 'jwt' && (typeof identity.secret !== 'string' || !identity.secret)) throw bad('identity.secret is missing', 'the secret the app signs its HS256 tokens with');
  if (identity.type === 'jwt' && identity.algorithm !== undefined && identity.algorithm !== 'HS256') throw bad(`identity.algorithm ${JSON.stringify(identity.algorithm)} is not supported`, 'bazaar mints HS256 tokens; for others use { type: \'custom\' } with a login of your own');
  if (identity.type === 'login') {
    if (!isFn(identity.request)) throw bad('identity.request is not a function', 'request(user) returns the login request, e.g. { method: \'POST\', path: \'/login\', body: { user: user.userId } }');
    if (!isFn(identity.token) && typeof identity.cookie !== 'string') throw bad('identity keeps nothing from the login', 'give token(response) to read a token, or cookie: \'<name>\' for a session cookie');
  }
  if (identity.type === 'custom' && !isFn(identity.login)) throw bad('identity.login is not a function', 'login(user, api) returns a promise of { token?, cookies?, headers? }');
  if (identity.type !== 'contract') {
    if (!isObject(profile.world)) throw bad('world is missing', 'say how bookings (the app\'s conversations, orders...) are made: world: { booking: {...} }');
    checkWorldStep('booking', profile.world.booking);
    if (profile.world.listing !== undefined) checkWorldStep('listing', profile.world.listing);
  }
  for (const [name, mapping] of Object.entries((profile.operations ?? {}) as Record<string, unknown>)) {
    if (!OPERATIONS.includes(name as OperationName)) throw bad(`operations has an unknown operation ${JSON.stringify(name)}`, `operations are named in the contract's words: ${OPERATIONS.join(', ')}`);
    if (!isObject(mapping) || (typeof mapping.event !== 'string' && !isFn(mapping.http))) {
      throw bad(`operations['${name}'] has neither event nor http`, `e.g. { event: 'chat:join', args: (input) => [input.bookingId] }, or { http: (input) => ({ method: 'POST', path: ... }) }`);
    }
    const outcome = mapping.outcome;
    if (outcome !== undefined && !(isObject(outcome) && (isFn(outcome.ack) || (typeof outcome.reply === 'string' && isFn(outcome.match)) || outcome.none === true))) {
      throw bad(`operations['${name}'].outcome is not one the profile format knows`, 'give { ack(input, ...args) }, { reply: \'event\', match(input, ...args) }, or { none: true }');
    }
  }
  for (const [name, mapping] of Object.entries((profile.pushes ?? {}) as Record<string, unknown>)) {
    if (!PUSHES.includes(name as PushName)) throw bad(`pushes has an unknown push ${JSON.stringify(name)}`, `pushes are named in the contract's words: ${PUSHES.join(', ')}`);
    if (!isObject(mapping) || typeof mapping.event !== 'string' || !isFn(mapping.read)) throw bad(`pushes['${name}'] needs event and read(...args)`, `e.g. { event: 'chat:new', read: (m) => ({ bookingId: m.room, senderId: m.from }) }`);
  }
  for (const [name, value] of Object.entries((profile.capabilities ?? {}) as Record<string, unknown>)) {
    if (!(name in CAPABILITIES)) throw bad(`capabilities has an unknown capability ${JSON.stringify(name)}`, `known: ${Object.keys(CAPABILITIES).join(', ')}`);
    if ((name === 'publicKeyTokens' || name === 'logout') && value === true) {
      throw bad(`capabilities.${name} is claimed by giving security.${name === 'logout' ? 'logout' : 'publicKeyPem'}`, 'leave the flag out and give that instead');
    }
    if (typeof value !== 'boolean') throw bad(`capabilities.${name} is ${JSON.stringify(value)}`, 'true (claimed) or false');
  }
  const security = profile.security as unknown;
  if (security !== undefined) {
    if (!isObject(security)) throw bad('security is not an object', 'e.g. security: { namespaces: [\'/admin\'] }');
    const namespaces = security.namespaces;
    if (namespaces !== undefined && !(Array.isArray(namespaces) && namespaces.every((n) => typeof n === 'string' && n.startsWith('/')))) {
      throw bad(`security.namespaces is ${JSON.stringify(namespaces)}`, 'a list of namespace names, each starting with "/", e.g. [\'/admin\']');
    }
    if (security.publicKeyPem !== undefined && !(typeof security.publicKeyPem === 'string' && security.publicKeyPem.includes('-----BEGIN'))) {
      throw bad('security.publicKeyPem is not a PEM', 'give the public key as text, e.g. readFileSync(\'public.pem\', \'utf8\') (-----BEGIN PUBLIC KEY-----...)');
    }
    if (security.logout !== undefined && !isFn(security.logout)) throw bad('security.logout is not a function', 'e.g. logout: () => ({ method: \'POST\', path: \'/logout\' })');
  }
  const session = profile.session as unknown;
  if (session !== undefined && session !== 'none' && !(isObject(session) && typeof session.event === 'string' && isFn(session.read))) {
    throw bad('session must be \'none\' or { event, read(...args) }', 'read returns the contract\'s session fields the app tells ({ userId, presence })');
  }
  return profile;
}
