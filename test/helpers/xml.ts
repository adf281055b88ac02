/* A strict little XML reader for tests: elements, attributes, text; it throws on anything
 * malformed (unclosed or mismatched tags, bad attributes, unknown entities, stray '<' or '&'),
 * which is what a test that "parses the JUnit" must catch. No DTDs, no namespaces. */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, at: number): string {
  return text.replace(/&([^;\s]*);?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new Error(`stray '&' near offset ${at}`);
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity &${name}; near offset ${at}`);
    return value;
  });
}

export function parseXml(source: string): XmlElement {
  let i = 0;
  const text = source.replace(/^\uFEFF/, '');
  const skipProlog = () => {
    for (;;) {
      const rest = text.slice(i);
      const ws = /^\s*/.exec(rest)![0].length;
      i += ws;
      if (text.startsWith('<?', i)) i = text.indexOf('?>', i) + 2;
      else if (text.startsWith('<!--', i)) i = text.indexOf('-->', i) + 3;
      else return;
    }
  };
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.-]*)/.exec(text.slice(i));
    if (!open) throw new Error(`expected an element at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    i += open[0].length;
    const node: XmlElement = { name: open[1]!, attributes: {}, children: [], text: '' };
    for (;;) {
      const attribute = /^\s+([A-Za-z_:][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(text.slice(i));
      if (!attribute) break;
      if (Object.hasOwn(node.attributes, attribute[1]!)) throw new Error(`attribute ${attribute[1]} twice on <${node.name}>`);
      node.attributes[attribute[1]!] = decode(attribute[3] ?? attribute[4] ?? '', i);
      i += attribute[0].length;
    }
    const end = /^\s*(\/?)>/.exec(text.slice(i));
    if (!end) throw new Error(`malformed tag <${node.name}> at offset ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    i += end[0].length;
    if (end[1] === '/') return node;
    for (;;) {
      const next = text.indexOf('<', i);
      if (next === -1) throw new Error(`<${node.name}> is never closed`);
      node.text += decode(text.slice(i, next), i);
      i = next;
      if (text.startsWith('<!--', i)) {
        i = text.indexOf('-->', i) + 3;
      } else if (text.startsWith('</', i)) {
        const close = /^<\/([A-Za-z_][\w.-]*)\s*>/.exec(text.slice(i));
        if (!close || close[1] !== node.name) throw new Error(`<${node.name}> closed by ${text.slice(i, i + 20)}`);
        i += close[0].length;
        return node;
      } else {
        node.children.push(element());
      }
    }
  };
  skipProlog();
  const root = element();
  skipProlog();
  if (i < text.length) throw new Error(`content after the root element: ${JSON.stringify(text.slice(i, i + 20))}`);
  return root;
}

/** Every descendant element named `name`. */
export function findAll(root: XmlElement, name: string): XmlElement[] {
  return [...(root.name === name ? [root] : []), ...root.children.flatMap((child) => findAll(child, name))];
}

/**
 * The JUnit XML schema's required fields (the Jenkins/Ant junit.xsd CI tools read): a
 * <testsuites> root of <testsuite>s (or one <testsuite>), each with name, tests and failures
 * that match its testcases, each testcase with name and classname, each failure with a message.
 * Returns the problems found; empty when valid.
 */
export function junitProblems(root: XmlElement): string[] {
  const problems: string[] = [];
  const suites = root.name === 'testsuites' ? root.children : [root];
  if (root.name !== 'testsuites' && root.name !== 'testsuite') problems.push(`root is <${root.name}>, not <testsuites> or <testsuite>`);
  if (suites.length === 0) problems.push('no <testsuite>');
  for (const suite of suites) {
    if (suite.name !== 'testsuite') problems.push(`<${suite.name}> inside <testsuites>`);
    for (const field of ['name', 'tests', 'failures']) if (suite.attributes[field] === undefined) problems.push(`testsuite without ${field}`);
    const cases = suite.children.filter((c) => c.name === 'testcase');
    if (Number(suite.attributes.tests) !== cases.length) problems.push(`testsuite tests="${suite.attributes.tests}" but ${cases.length} testcases`);
    const failed = cases.filter((c) => c.children.some((x) => x.name === 'failure')).length;
    if (Number(suite.attributes.failures) !== failed) problems.push(`testsuite failures="${suite.attributes.failures}" but ${failed} failed testcases`);
    for (const testcase of cases) {
      for (const field of ['name', 'classname']) if (!testcase.attributes[field]) problems.push(`testcase without ${field}`);
      for (const failure of testcase.children.filter((x) => x.name === 'failure' || x.name === 'error')) {
        if (!failure.attributes.message) problems.push(`<${failure.name}> of ${testcase.attributes.name} without a message`);
      }
    }
  }
  return problems;
}
