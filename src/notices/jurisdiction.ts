// Where a recipient lives, as the jurisdiction code the obligations engine knows: `US-CA` for a
// US state or territory, `CA-QC` for Quebec, `EU-DE` for an EU member state, else the ISO
// country (`GB`, `AU`, `CA`, ...). Country and state come in every spelling shops store
// ("Calif.", "CA", "California", "U.S.A.", "Deutschland"), so both are normalised here.

const US_STATES: Record<string, readonly string[]> = {
  AL: ['Alabama', 'Ala.'],
  AK: ['Alaska'],
  AZ: ['Arizona', 'Ariz.'],
  AR: ['Arkansas', 'Ark.'],
  CA: ['California', 'Calif.', 'Cal.'],
  CO: ['Colorado', 'Colo.'],
  CT: ['Connecticut', 'Conn.'],
  DE: ['Delaware', 'Del.'],
  DC: ['District of Columbia', 'Washington DC', 'Washington D.C.', 'D.C.'],
  FL: ['Florida', 'Fla.'],
  GA: ['Georgia', 'Ga.'],
  HI: ['Hawaii'],
  ID: ['Idaho'],
  IL: ['Illinois', 'Ill.'],
  IN: ['Indiana', 'Ind.'],
  IA: ['Iowa'],
  KS: ['Kansas', 'Kans.', 'Kan.'],
  KY: ['Kentucky', 'Ky.'],
  LA: ['Louisiana', 'La.'],
  ME: ['Maine'],
  MD: ['Maryland', 'Md.'],
  MA: ['Massachusetts', 'Mass.'],
  MI: ['Michigan', 'Mich.'],
  MN: ['Minnesota', 'Minn.'],
  MS: ['Mississippi', 'Miss.'],
  MO: ['Missouri', 'Mo.'],
  MT: ['Montana', 'Mont.'],
  NE: ['Nebraska', 'Nebr.', 'Neb.'],
  NV: ['Nevada', 'Nev.'],
  NH: ['New Hampshire', 'N.H.'],
  NJ: ['New Jersey', 'N.J.'],
  NM: ['New Mexico', 'N.M.', 'N. Mex.'],
  NY: ['New York', 'N.Y.'],
  NC: ['North Carolina', 'N.C.'],
  ND: ['North Dakota', 'N.D.', 'N. Dak.'],
  OH: ['Ohio'],
  OK: ['Oklahoma', 'Okla.'],
  OR: ['Oregon', 'Ore.', 'Oreg.'],
  PA: ['Pennsylvania', 'Pa.', 'Penn.'],
  RI: ['Rhode Island', 'R.I.'],
  SC: ['South Carolina', 'S.C.'],
  SD: ['South Dakota', 'S.D.', 'S. Dak.'],
  TN: ['Tennessee', 'Tenn.'],
  TX: ['Texas', 'Tex.'],
  UT: ['Utah'],
  VT: ['Vermont', 'Vt.'],
  VA: ['Virginia', 'Va.'],
  WA: ['Washington', 'Wash.'],
  WV: ['West Virginia', 'W. Va.', 'W.Va.'],
  WI: ['Wisconsin', 'Wis.', 'Wisc.'],
  WY: ['Wyoming', 'Wyo.'],
  PR: ['Puerto Rico', 'P.R.'],
  GU: ['Guam'],
  VI: ['U.S. Virgin Islands', 'US Virgin Islands', 'Virgin Islands', 'V.I.'],
  AS: ['American Samoa'],
  MP: ['Northern Mariana Islands'],
};

/** US territories with their own ISO country code; a shop may file them as a country or a state. */
const US_TERRITORY_COUNTRIES = new Set(['PR', 'GU', 'VI', 'AS', 'MP']);

const EU_MEMBERS = new Set('AT BE BG HR CY CZ DK EE FI FR DE GR IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' '));

const CA_PROVINCES: Record<string, readonly string[]> = {
  QC: ['Quebec', 'Québec', 'Que.', 'Qué.'],
};

/** Folds case, accents, dots and spacing so "Calif." and "calif" and "Québec"/"Quebec" meet. */
function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[.\s_-]+/g, ' ')
    .trim();
}

function index(table: Record<string, readonly string[]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [code, names] of Object.entries(table)) {
    m.set(fold(code), code);
    for (const n of names) m.set(fold(n), code);
  }
  return m;
}

const usStateIndex = index(US_STATES);
const caProvinceIndex = index(CA_PROVINCES);

const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'u s a': 'US',
  'u s': 'US',
  'united states of america': 'US',
  america: 'US',
  uk: 'GB',
  'u k': 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  deutschland: 'DE',
  osterreich: 'AT',
  espana: 'ES',
  italia: 'IT',
  nederland: 'NL',
  holland: 'NL',
  schweiz: 'CH',
  suisse: 'CH',
  belgique: 'BE',
  belgie: 'BE',
  polska: 'PL',
  sverige: 'SE',
  danmark: 'DK',
  suomi: 'FI',
  eire: 'IE',
};

/** Codes ICU names that are no country of residence (UK is GB's alias, set below). */
const NOT_COUNTRIES = new Set(['UK', 'EU', 'EZ', 'UN', 'QO', 'XA', 'XB', 'ZZ', 'AA']);

let countryIndex: Map<string, string> | undefined;

/** English (and a few native) country names to ISO codes, built from the runtime's ICU data. */
function countries(): Map<string, string> {
  if (countryIndex) return countryIndex;
  const m = new Map<string, string>();
  const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  const A = 65;
  for (let i = 0; i < 26; i++)
    for (let j = 0; j < 26; j++) {
      const code = String.fromCharCode(A + i, A + j);
      let name: string | undefined;
      try {
        name = names.of(code);
      } catch {
        name = undefined;
      }
      if (name !== undefined && name !== code && !NOT_COUNTRIES.has(code)) {
        m.set(fold(name), code);
        m.set(fold(code), code);
      }
    }
  for (const [alias, code] of Object.entries(COUNTRY_ALIASES)) m.set(alias, code);
  countryIndex = m;
  return m;
}

/** ISO 3166-1 alpha-2 code of a country name or code, or null when it is not recognised. */
export function countryCode(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const f = fold(text);
  if (f === '') return null;
  return countries().get(f) ?? null;
}

/** Two-letter US state or territory code, or null. */
export function usStateCode(text: string | null | undefined): string | null {
  if (text === null || text === undefined) return null;
  const f = fold(text);
  if (f === '') return null;
  // "US-CA" as some shops store it
  const prefixed = /^us (\w\w)$/.exec(f);
  return usStateIndex.get(prefixed ? (prefixed[1] as string) : f) ?? null;
}

export interface Place {
  /** ISO country, or null when the address has none we recognise. */
  country: string | null;
  /** Region code within the country when it matters for the law (US state, Quebec). */
  region: string | null;
  /** Jurisdiction code for the obligations engine, or null when unknown. */
  jurisdiction: string | null;
}

/**
 * The jurisdiction of an address. A US address without a recognisable state gets country US and
 * no jurisdiction: the state decides the law, and guessing would count the person wrongly.
 */
export function placeOf(countryText: string | null | undefined, regionText: string | null | undefined): Place {
  let country = countryCode(countryText);
  // No country but a US state name: shops with only US customers often leave the country empty.
  if (country === null && (countryText === null || countryText === undefined || fold(countryText) === '')) {
    const st = usStateCode(regionText);
    if (st !== null && fold(regionText ?? '').length > 2) country = 'US';
  }
  if (country === null) return { country: null, region: null, jurisdiction: null };
  if (US_TERRITORY_COUNTRIES.has(country)) return { country: 'US', region: country, jurisdiction: `US-${country}` };
  if (country === 'US') {
    const st = usStateCode(regionText);
    return { country, region: st, jurisdiction: st === null ? null : `US-${st}` };
  }
  if (country === 'CA') {
    const f = regionText === null || regionText === undefined ? '' : fold(regionText);
    const p = caProvinceIndex.get(f.replace(/^ca /, '')) ?? null;
    return { country, region: p, jurisdiction: p === null ? 'CA' : `CA-${p}` };
  }
  if (EU_MEMBERS.has(country)) return { country, region: null, jurisdiction: `EU-${country}` };
  return { country, region: null, jurisdiction: country };
}
