// A horse's names as the current language shows them. In English: the romaji / English name the catalogue gives
// (`name_en`; for the sire, dam and dam's sire `sire_en` … or the pedigree's `en`), else the Japanese one, which the
// catalogue always has. In Japanese: always the Japanese names.

/** `en` when the locale is English and it is given, else `ja` (never undefined). */
export function localName(ja, en, locale) {
  return (locale === 'en' && en) || ja || en || ''
}

/** { name, sire, dam, damsSire } of a horse (a lot's summary or a catalogue page) for `locale`. */
export function horseNames(horse, locale) {
  const h = horse ?? {}
  const pedigree = h.pedigree ?? {}
  return {
    name: localName(h.name, h.name_en, locale),
    sire: localName(h.sire, h.sire_en || pedigree.s?.en, locale),
    dam: localName(h.dam, h.dam_en || pedigree.d?.en, locale),
    damsSire: localName(h.dams_sire, h.dams_sire_en || pedigree.ds?.en, locale),
  }
}

/** Just the horse's name for `locale` (a list row, a confirmation). */
export function horseName(horse, locale) {
  return horseNames(horse, locale).name
}
