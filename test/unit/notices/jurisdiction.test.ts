// Addresses to jurisdictions: every spelling of a US state, territories filed as countries,
// EU members, Quebec, and unknowns left unknown rather than guessed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countryCode, placeOf, usStateCode } from '../../../src/notices/jurisdiction.ts';

test('US states in codes, names and AP abbreviations', () => {
  for (const s of ['CA', 'ca', 'California', 'CALIFORNIA', 'Calif.', 'calif', 'US-CA'])
    assert.equal(usStateCode(s), 'CA', s);
  assert.equal(usStateCode('Mass.'), 'MA');
  assert.equal(usStateCode('N.Y.'), 'NY');
  assert.equal(usStateCode('Washington D.C.'), 'DC');
  assert.equal(usStateCode('Narnia'), null);
});

test('countries by code, English name and common aliases', () => {
  assert.equal(countryCode('United States'), 'US');
  assert.equal(countryCode('U.S.A.'), 'US');
  assert.equal(countryCode('Deutschland'), 'DE');
  assert.equal(countryCode('germany'), 'DE');
  assert.equal(countryCode('United Kingdom'), 'GB');
  assert.equal(countryCode('UK'), 'GB');
  assert.equal(countryCode('fr'), 'FR');
  assert.equal(countryCode('Atlantis'), null);
});

test('jurisdiction codes the obligations engine knows', () => {
  assert.equal(placeOf('US', 'Calif.').jurisdiction, 'US-CA');
  assert.equal(placeOf('Puerto Rico', null).jurisdiction, 'US-PR');
  assert.equal(placeOf('US', 'Guam').jurisdiction, 'US-GU');
  assert.equal(placeOf('DE', null).jurisdiction, 'EU-DE');
  assert.equal(placeOf('Canada', 'Québec').jurisdiction, 'CA-QC');
  assert.equal(placeOf('Canada', 'Ontario').jurisdiction, 'CA');
  assert.equal(placeOf('GB', 'Kent').jurisdiction, 'GB');
  assert.equal(placeOf('AU', 'NSW').jurisdiction, 'AU');
  assert.equal(placeOf(null, 'New York').jurisdiction, 'US-NY', 'a full state name with no country is the US');
  // A US address without a state, or an unknown country, is not guessed.
  assert.deepEqual(placeOf('US', ''), { country: 'US', region: null, jurisdiction: null });
  assert.equal(placeOf('Atlantis', 'CA').jurisdiction, null);
  assert.equal(placeOf(null, 'CA').jurisdiction, null, 'a bare two letters could be a state or a province');
});
