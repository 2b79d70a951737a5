import { describe, expect, it } from 'vitest'
import { horseName, horseNames, localName } from './horseNames.js'

describe('horse names for the SPA language', () => {
  const horse = {
    name: 'キタサンミライ',
    name_en: 'Kitasan Mirai',
    sire: 'キタサンブラック',
    dam: 'シュガーハート',
    dams_sire: 'サクラバクシンオー',
    pedigree: {
      s: { ja: 'キタサンブラック', en: 'Kitasan Black' },
      ds: { ja: 'サクラバクシンオー', en: 'Sakura Bakushin O' },
    },
  }

  it('picks the English names in English, each falling back to its Japanese one', () => {
    expect(horseNames(horse, 'en')).toEqual({
      name: 'Kitasan Mirai',
      sire: 'Kitasan Black',
      dam: 'シュガーハート',
      damsSire: 'Sakura Bakushin O',
    })
  })

  it('prefers a flat sire_en / dam_en to the pedigree', () => {
    expect(
      horseNames({ ...horse, sire_en: 'Kitasan Black (JPN)', dam_en: 'Sugar Heart' }, 'en'),
    ).toMatchObject({
      sire: 'Kitasan Black (JPN)',
      dam: 'Sugar Heart',
    })
  })

  it('keeps the Japanese names in Japanese', () => {
    expect(horseNames(horse, 'ja')).toEqual({
      name: 'キタサンミライ',
      sire: 'キタサンブラック',
      dam: 'シュガーハート',
      damsSire: 'サクラバクシンオー',
    })
    expect(horseName(horse, 'ja')).toBe('キタサンミライ')
  })

  it('never gives undefined', () => {
    expect(horseName(undefined, 'en')).toBe('')
    expect(horseNames({ name: '馬' }, 'en').sire).toBe('')
    expect(localName('', 'Only English', 'ja')).toBe('Only English')
  })
})
