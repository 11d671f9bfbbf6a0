import { describe, expect, it } from 'vitest';
import { beyondCutoff, bucketLabel, cutoffPosition } from './buckets';

const buckets = [
  { fromMinutes: 0, toMinutes: 60, count: 5 },
  { fromMinutes: 60, toMinutes: 1440, count: 10 },
  { fromMinutes: 1440, toMinutes: null, count: 2 },
];

describe('duration buckets', () => {
  it('labels ranges as people read them', () => {
    expect(buckets.map(bucketLabel)).toEqual(['< 1 h', '1 h – 24 h', '≥ 24 h']);
  });

  it('places a cut-off between or inside bars in proportion to its minutes', () => {
    expect(cutoffPosition(buckets, 60)).toBe(1);
    expect(cutoffPosition(buckets, 750)).toBeCloseTo(1.5);
    expect(cutoffPosition(buckets, 5000)).toBe(2);
    expect(cutoffPosition([], 60)).toBeNull();
  });

  it('counts what lies past a cut-off, exactly on a boundary and as a range inside a bucket', () => {
    expect(beyondCutoff(buckets, 60)).toEqual({ atLeast: 12, atMost: 12 });
    expect(beyondCutoff(buckets, 120)).toEqual({ atLeast: 2, atMost: 12 });
  });
});
