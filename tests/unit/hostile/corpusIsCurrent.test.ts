import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CORPUS_FILE, KEYS_FILE } from '../../fixtures/hostile/corpus.ts'
import { renderCorpusFiles } from '../../fixtures/hostile/generate.ts'

describe('the committed hostile corpus', () => {
  it('is what the generator writes today, byte for byte', async () => {
    // Regenerate with: node --import tsx tests/fixtures/hostile/generate.ts
    const files = await renderCorpusFiles()
    expect(files.keys).toBe(readFileSync(KEYS_FILE, 'utf8'))
    expect(files.corpus === readFileSync(CORPUS_FILE, 'utf8')).toBe(true)
  })
})
