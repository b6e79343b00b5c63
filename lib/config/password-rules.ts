// What a password may contain. Every consumer of a password escapes it the
// way that consumer needs (lib/util/quote.ts), so almost anything works; this
// module refuses, before anything is installed, only the characters some
// consumer cannot carry at all, and says which consumer and why.
//
// Checked for local.conf (file:line), the saved password file, the
// environment and the prompt: the same words everywhere, also in the README.

/** One refused class of characters. */
interface Refusal {
  test: (value: string) => string | undefined;
  why: string;
}

// C0 controls (tab, newline, NUL...), DEL and the C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

const CONTROL_NAMES: Record<string, string> = {
  '\t': 'tab',
  '\n': 'newline',
  '\r': 'carriage return',
  '\u0000': 'NUL',
  '\u001b': 'escape',
};

const EVERY_PASSWORD: readonly Refusal[] = [
  {
    test: (v) => {
      const c = CONTROL.exec(v)?.[0];
      if (c === undefined) return undefined;
      return `a control character (${codePoint(c)}${CONTROL_NAMES[c] ? `, ${CONTROL_NAMES[c]}` : ''})`;
    },
    why:
      'a password is one line in local.conf and in every config file, ' +
      'and must be typed at a prompt and into Horizon',
  },
  {
    test: (v) => (LONE_SURROGATE.test(v) ? 'an unpaired surrogate' : undefined),
    why: 'it is not Unicode text and cannot be written to a UTF-8 file',
  },
];

/**
 * Per password: what one of its consumers cannot take. RABBIT_PASSWORD: every
 * service hands it to kombu as `amqp://user:<quote(password)>@host`, where
 * Python's quote() leaves `/` as is (oslo.messaging 14, impl_rabbit), so the
 * URL splits there. DATABASE_PASSWORD: PyMySQL 1.0 sends a password as
 * Latin-1 (`password.encode("latin1")`), so nothing above U+00FF can be sent.
 */
const PER_PASSWORD: Readonly<Record<string, readonly Refusal[]>> = {
  RABBIT_PASSWORD: [
    {
      test: (v) => (v.includes('/') ? "'/'" : undefined),
      why: "oslo.messaging's rabbit driver passes the password to kombu in a URL without encoding '/'",
    },
  ],
  DATABASE_PASSWORD: [
    {
      test: (v) => {
        const c = [...v].find((ch) => ch.codePointAt(0)! > 0xff);
        return c === undefined ? undefined : `a character beyond Latin-1 (${codePoint(c)})`;
      },
      why:
        'PyMySQL, which every service connects through, sends the password in Latin-1 ' +
        '(letters such as é, ü, ß, ñ work)',
    },
  ],
};

/** Aliases and later secrets (MYSQL_PASSWORD is DATABASE_PASSWORD) share the canonical rules. */
function rulesFor(name: string): readonly Refusal[] {
  return [...EVERY_PASSWORD, ...(PER_PASSWORD[name] ?? [])];
}

/** undefined when `value` can be used as password `name`, else why not (never showing the value). */
export function passwordProblem(name: string, value: string): string | undefined {
  for (const r of rulesFor(name)) {
    const what = r.test(value);
    if (what) return `${what} cannot be used: ${r.why}`;
  }
  return undefined;
}

/** What `name` may contain, in one sentence: the prompt and the README say exactly this. */
export function allowedCharacters(name: string): string {
  const extra: Record<string, string> = {
    RABBIT_PASSWORD: ", and '/'",
    DATABASE_PASSWORD: ', and characters beyond Latin-1 (above U+00FF; é, ü, ß, ñ work)',
  };
  return `Any characters except control characters (tab, newline, NUL, U+007F-U+009F)${extra[name] ?? ''}.`;
}
