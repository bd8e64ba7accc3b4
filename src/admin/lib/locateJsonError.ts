/** Where JSON text first goes wrong, and what was expected there; null when it is valid JSON. */
export interface JsonErrorLocation {
  line: number
  column: number
  message: string
}

/**
 * Finds the first syntax error of JSON text, with its line and column (from 1), because browsers
 * word and place their `JSON.parse` errors differently, and some give no position at all.
 * @example locateJsonError('{"a": ,}') // { line: 1, column: 7, message: 'expected a value, found ","' }
 */
export function locateJsonError(text: string): JsonErrorLocation | null {
  let at = 0
  const stop = (message: string): never => {
    throw new LocatedError(at, message)
  }
  const fail = (expected: string): never => {
    const found = at >= text.length ? 'the end' : `"${text[at]}"`
    return stop(`expected ${expected}, found ${found}`)
  }
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++
  }
  const literal = (word: string) => {
    if (!text.startsWith(word, at)) fail('a value')
    at += word.length
  }
  const string = () => {
    if (text[at] !== '"') fail('a string in double quotes')
    at++
    for (;;) {
      const char = text.charAt(at)
      if (at >= text.length) fail('a closing quote')
      if (char === '"') break
      if (char < ' ') stop('a line break or tab inside a string must be written as \\n or \\t')
      if (char === '\\') {
        at++
        const escape = text.charAt(at)
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5)))
            stop('\\u must be followed by four hex digits')
          at += 4
        } else if (!'"\\/bfnrt'.includes(escape) || escape === '') {
          stop('a backslash must start an escape such as \\" or \\n')
        }
      }
      at++
    }
    at++
  }
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at))
    if (!match) fail('a value')
    at += match?.[0].length ?? 0
  }
  const value = (): void => {
    space()
    const char = text.charAt(at)
    if (char === '{') return object()
    if (char === '[') return array()
    if (char === '"') return string()
    if (char === 't') return literal('true')
    if (char === 'f') return literal('false')
    if (char === 'n') return literal('null')
    return number()
  }
  const object = () => {
    at++
    space()
    if (text[at] === '}') {
      at++
      return
    }
    for (;;) {
      space()
      string()
      space()
      if (text[at] !== ':') fail('":" after a member name')
      at++
      value()
      space()
      if (text[at] === '}') {
        at++
        return
      }
      if (text[at] !== ',') fail('"," or "}"')
      at++
      space()
      if (text[at] === '}')
        stop('a comma must be followed by another member (remove the last comma)')
    }
  }
  const array = () => {
    at++
    space()
    if (text[at] === ']') {
      at++
      return
    }
    for (;;) {
      value()
      space()
      if (text[at] === ']') {
        at++
        return
      }
      if (text[at] !== ',') fail('"," or "]"')
      at++
      space()
      if (text[at] === ']')
        stop('a comma must be followed by another value (remove the last comma)')
    }
  }
  try {
    value()
    space()
    if (at < text.length) fail('the end of the text')
    return null
  } catch (error) {
    if (!(error instanceof LocatedError)) throw error
    const before = text.slice(0, error.offset)
    const line = before.split('\n').length
    return { line, column: error.offset - before.lastIndexOf('\n'), message: error.message }
  }
}

class LocatedError extends Error {
  readonly offset: number

  constructor(offset: number, message: string) {
    super(message)
    this.offset = offset
  }
}
