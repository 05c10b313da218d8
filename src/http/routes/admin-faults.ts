import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { FaultRules } from '../faults/registry.js';
import { MAX_RULES, parseRule, parseRuleList, RuleError, type FaultRule } from '../faults/rule.js';
import { sendRaw } from '../send.js';
import { ADMIN_METHODS, jsonErrors, sendJson } from './admin-shared.js';

/**
 * The control plane's fault rules (contract §4), JSON only:
 *   POST   /admin/v1/faults        a rule → 201 the rule as listed ({"id":"f1",…,"hits":0});
 *                                  a list of rules → 201 {"faults":[…]} (all or none)
 *   GET    /admin/v1/faults        {"faults":[…]} in the order they apply, with hits
 *   GET    /admin/v1/faults/{id}   one rule
 *   DELETE /admin/v1/faults/{id}   204 (404 for an unknown id)
 *   DELETE /admin/v1/faults        204: every rule goes (ids go on counting)
 * A bad rule is a 400 naming the field, and nothing is added.
 */

export const FAULTS = '/admin/v1/faults';
const ONE = '/admin/v1/faults/:id';
/** A list of rules is a few KB; this leaves room for thousands. */
const BODY_LIMIT = 1024 * 1024;

const bad = (message: string) => errors.adminBadRequest(message);
const shown = (value: unknown) => JSON.stringify(value) ?? String(value);

/** The parsed JSON body (an object or a list), or a 400 saying what it is instead. */
export function bodyJson(body: unknown, example: string): unknown {
  const text = Buffer.isBuffer(body) ? body.toString('utf8').replace(/^\uFEFF/, '') : '';
  if (text.trim() === '') throw bad(`body: expected a JSON object such as ${example}, got an empty body`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw bad(`body: not JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object') throw bad(`body: expected a JSON object such as ${example}, got ${shown(value)}`);
  return value;
}

/** The rule (or rules) of a POST body, all checked before any is added. */
function rulesOf(body: unknown): { rules: FaultRule[]; list: boolean } {
  const value = bodyJson(body, '{"match":{"path":"/api/query"},"fault":{"status":503}}');
  try {
    return Array.isArray(value) ? { rules: parseRuleList(value), list: true } : { rules: [parseRule(value)], list: false };
  } catch (e) {
    if (e instanceof RuleError) throw bad(e.message);
    throw e;
  }
}

export function adminFaultRoutes(faults: FaultRules, guard: (req: FastifyRequest) => Promise<void>) {
  return async (scope: FastifyInstance): Promise<void> => {
    jsonErrors(scope);
    const config = { anonymous: true };
    const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;
    const unknown = (req: FastifyRequest) => errors.notFound(`fault rule ${idOf(req)}`);

    scope.route({
      method: 'POST', url: FAULTS, config, onRequest: guard, bodyLimit: BODY_LIMIT,
      handler: async (req, reply) => {
        const { rules, list } = rulesOf(req.body);
        if (faults.size + rules.length > MAX_RULES) {
          throw bad(`at most ${MAX_RULES} fault rules are in force at once: ${faults.size} are, this adds ${rules.length}`);
        }
        const added = await faults.add(rules);
        sendJson(reply, 201, list ? { faults: added } : added[0]);
      },
    });
    scope.route({
      method: 'GET', url: FAULTS, config, onRequest: guard,
      handler: async (_req, reply) => sendJson(reply, 200, { faults: await faults.list() }),
    });
    scope.route({
      method: 'DELETE', url: FAULTS, config, onRequest: guard,
      handler: async (_req, reply) => {
        await faults.clear();
        sendRaw(reply, 204, []);
      },
    });
    scope.route({
      method: 'GET', url: ONE, config, onRequest: guard,
      handler: async (req, reply) => {
        const rule = await faults.get(idOf(req));
        if (!rule) throw unknown(req);
        sendJson(reply, 200, rule);
      },
    });
    scope.route({
      method: 'DELETE', url: ONE, config, onRequest: guard,
      handler: async (req, reply) => {
        if (!(await faults.remove(idOf(req)))) throw unknown(req);
        sendRaw(reply, 204, []);
      },
    });
    for (const [url, allowed] of [[FAULTS, ['GET', 'POST', 'DELETE']], [ONE, ['GET', 'DELETE']]] as const) {
      scope.route({
        method: ADMIN_METHODS.filter((m) => !(allowed as readonly string[]).includes(m) && m !== 'HEAD'),
        url, config, onRequest: guard,
        handler: async (req) => {
          throw errors.methodNotAllowed(req.method, allowed);
        },
      });
    }
  };
}
