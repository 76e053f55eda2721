/**
 * Parses the Python literals Ultralytics writes into ONNX metadata (`str(value)` of dicts, lists,
 * strings, numbers, booleans and None: `{0: 'lesion', 1: "it's"}`, `[640, 640]`, `True`). A safe
 * subset: nothing is evaluated, anything else is an error. Dict keys become strings.
 */

export type PythonValue = string | number | boolean | null | PythonValue[] | { [key: string]: PythonValue };

export function parsePythonLiteral(text: string): PythonValue {
  const parser = new Parser(text);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.done()) throw parser.fail('unexpected text after the value');
  return value;
}

const escapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '0': '\0',
};

class Parser {
  private at = 0;
  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at >= this.text.length;
  }

  fail(problem: string): Error {
    return new Error(`not a Python literal (${problem} at character ${this.at})`);
  }

  skipSpace(): void {
    while (!this.done() && /\s/.test(this.text[this.at] ?? '')) this.at++;
  }

  value(): PythonValue {
    this.skipSpace();
    const char = this.text[this.at];
    if (char === '{') return this.dict();
    if (char === '[' || char === '(') return this.sequence(char === '[' ? ']' : ')');
    if (char === "'" || char === '"') return this.string(char);
    const word = /^(True|False|None)\b/.exec(this.text.slice(this.at))?.[1];
    if (word) {
      this.at += word.length;
      return word === 'None' ? null : word === 'True';
    }
    const number = /^[-+]?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?|inf|nan)/i.exec(
      this.text.slice(this.at),
    )?.[0];
    if (number) {
      this.at += number.length;
      return Number(number.replace(/^([-+]?)inf$/i, '$1Infinity'));
    }
    throw this.fail('unexpected character');
  }

  private dict(): { [key: string]: PythonValue } {
    this.at++;
    const result: { [key: string]: PythonValue } = {};
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === '}') {
        this.at++;
        return result;
      }
      const key = this.value();
      if (typeof key === 'object' && key !== null) throw this.fail('a dict key must be a string or a number');
      this.skipSpace();
      if (this.text[this.at] !== ':') throw this.fail('expected ":"');
      this.at++;
      result[String(key)] = this.value();
      if (!this.separator('}')) throw this.fail('expected "," or "}"');
    }
  }

  private sequence(close: string): PythonValue[] {
    this.at++;
    const result: PythonValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === close) {
        this.at++;
        return result;
      }
      result.push(this.value());
      if (!this.separator(close)) throw this.fail(`expected "," or "${close}"`);
    }
  }

  /** Consumes a comma (true) or sees the closing bracket without consuming it (true); else false. */
  private separator(close: string): boolean {
    this.skipSpace();
    if (this.text[this.at] === ',') {
      this.at++;
      return true;
    }
    return this.text[this.at] === close;
  }

  private string(quote: string): string {
    this.at++;
    let result = '';
    while (!this.done()) {
      const char = this.text[this.at++] ?? '';
      if (char === quote) return result;
      if (char !== '\\') {
        result += char;
        continue;
      }
      const next = this.text[this.at++] ?? '';
      if (next === 'x' || next === 'u') {
        const length = next === 'x' ? 2 : 4;
        const hex = this.text.slice(this.at, this.at + length);
        if (!/^[0-9a-f]+$/i.test(hex) || hex.length !== length) throw this.fail('bad escape');
        result += String.fromCodePoint(Number.parseInt(hex, 16));
        this.at += length;
      } else result += escapes[next] ?? `\\${next}`;
    }
    throw this.fail('unterminated string');
  }
}
