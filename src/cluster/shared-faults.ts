import { matches, type RequestFacts } from '../http/faults/match.js';
import type { FaultDecision, FaultRules, RuleView } from '../http/faults/registry.js';
import type { FaultRule } from '../http/faults/rule.js';
import type { Channel } from '../io/channel.js';
import { OPS, type RulesInForce } from './protocol.js';

/**
 * A worker's fault rules: the primary keeps the one registry (ids, counters, draws); each worker
 * holds a copy of the rules in force, updated by the primary before an add or delete is
 * answered, so that only a request that matches a rule costs a round trip to the primary,
 * which then decides for it (`count` and `skip` count requests over every worker).
 */
export class SharedFaults implements FaultRules {
  constructor(
    private readonly channel: Channel,
    private rules: RulesInForce,
  ) {
    channel.handle(OPS.faultsInForce, (rules: RulesInForce) => {
      this.rules = rules;
    });
  }

  get size(): number {
    return this.rules.length;
  }

  add(rules: readonly FaultRule[]): Promise<RuleView[]> {
    return this.channel.request(OPS.faultsAdd, rules);
  }

  list(): Promise<RuleView[]> {
    return this.channel.request(OPS.faultsList);
  }

  get(id: string): Promise<RuleView | undefined> {
    return this.channel.request(OPS.faultsGet, id);
  }

  remove(id: string): Promise<boolean> {
    return this.channel.request(OPS.faultsRemove, id);
  }

  clear(): Promise<number> {
    return this.channel.request(OPS.faultsClear);
  }

  async decide(facts: RequestFacts): Promise<FaultDecision | undefined> {
    if (!this.rules.some((r) => matches(r.rule.match, facts))) return undefined;
    return this.channel.request(OPS.faultsDecide, facts);
  }
}
