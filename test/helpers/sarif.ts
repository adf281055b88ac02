/* The SARIF 2.1.0 schema's required fields (sarif-schema-2.1.0.json, "required" of each
 * definition this log uses), and the cross-references a code-scanning upload relies on.
 * Returns the problems found; empty when valid. */
export function sarifProblems(log: any): string[] {
  const problems: string[] = [];
  const need = (ok: unknown, what: string) => {
    if (!ok) problems.push(what);
  };
  need(log?.version === '2.1.0', 'version is not "2.1.0"');
  need(typeof log?.$schema === 'string' && /sarif.*2\.1\.0/.test(log.$schema), '$schema does not name SARIF 2.1.0');
  need(Array.isArray(log?.runs), 'runs is not an array');
  for (const [r, run] of (log?.runs ?? []).entries()) {
    const driver = run?.tool?.driver;
    need(typeof driver?.name === 'string' && driver.name !== '', `runs[${r}].tool.driver.name missing`);
    const rules: any[] = driver?.rules ?? [];
    need(Array.isArray(rules), `runs[${r}].tool.driver.rules is not an array`);
    const ids = rules.map((rule) => rule?.id);
    for (const [i, rule] of rules.entries()) {
      need(typeof rule?.id === 'string' && rule.id !== '', `rules[${i}].id missing`);
      for (const field of ['shortDescription', 'fullDescription', 'help']) {
        if (rule?.[field] !== undefined) need(typeof rule[field].text === 'string', `rules[${i}].${field}.text missing (a multiformatMessageString requires text)`);
      }
    }
    need(new Set(ids).size === ids.length, `runs[${r}] has duplicate rule ids`);
    for (const [i, invocation] of (run?.invocations ?? []).entries()) {
      need(typeof invocation?.executionSuccessful === 'boolean', `invocations[${i}].executionSuccessful missing`);
    }
    need(Array.isArray(run?.results), `runs[${r}].results is not an array`);
    for (const [i, result] of (run?.results ?? []).entries()) {
      const where = `runs[${r}].results[${i}]`;
      need(typeof result?.message?.text === 'string' && result.message.text !== '', `${where}.message.text missing`);
      need(typeof result?.ruleId === 'string' && ids.includes(result.ruleId), `${where}.ruleId ${result?.ruleId} is not among the rules`);
      if (result?.ruleIndex !== undefined) need(ids[result.ruleIndex] === result.ruleId, `${where}.ruleIndex does not point at its rule`);
      need(['none', 'note', 'warning', 'error'].includes(result?.level ?? 'warning'), `${where}.level ${result?.level} is not a SARIF level`);
      for (const [j, location] of (result?.locations ?? []).entries()) {
        need(location?.physicalLocation !== undefined || (location?.logicalLocations ?? []).length > 0, `${where}.locations[${j}] locates nothing`);
      }
    }
  }
  return problems;
}
