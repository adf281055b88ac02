import { describe, expect, it } from 'vitest';
import { BazaarError } from '../errors.ts';
import { formatMetricSelector, parseMetricSelector } from './selector.ts';

describe('parseMetricSelector', () => {
  it.each([
    ['ack', { metric: 'ack', tags: {} }],
    ['dropped_iterations', { metric: 'dropped_iterations', tags: {} }],
    ['ack{event:message:send}', { metric: 'ack', tags: { event: 'message:send' } }],
    ['delivery{event:message:new,room:booking}', { metric: 'delivery', tags: { event: 'message:new', room: 'booking' } }],
    ['http{route:POST /api/bookings}', { metric: 'http', tags: { route: 'POST /api/bookings' } }],
    ['ack{url:http://127.0.0.1:3000}', { metric: 'ack', tags: { url: 'http://127.0.0.1:3000' } }],
    // stray spaces must not make a threshold match nothing (k6 #1526)
    ['  ack { event : message:send , room: booking }  ', { metric: 'ack', tags: { event: 'message:send', room: 'booking' } }],
  ])('%j', (key, selector) => {
    expect(parseMetricSelector(key)).toEqual(selector);
  });

  it.each([
    ['', /names no metric/],
    ['{event:x}', /names no metric/],
    ['ack event', /'ack event' is not a metric name/],
    ['ack-latency', /'ack-latency' is not a metric name/],
    ['ack}', /has a '}' without a '{'/],
    ['ack{event:x', /not closed/],
    ['ack{event:x}p(95)', /not closed/],
    ['ack{}', /empty tag filter/],
    ['ack{event}', /tag 'event' has no value/],
    ['ack{event:}', /tag 'event' has no value/],
    ['ack{:message:send}', /tag with no name/],
    ['ack{event:a,}', /tag with no name \(an extra comma\?\)/],
    ['ack{event:a,event:b}', /names tag 'event' twice/],
    ['ack{event:{x}}', /cannot contain/],
  ])('rejects %j', (key, message) => {
    let error: unknown;
    try {
      parseMetricSelector(key);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BazaarError);
    expect((error as BazaarError).message).toMatch(message);
    expect((error as BazaarError).message).toContain(`metric selector '${key}'`);
    expect((error as BazaarError).hint).toBeTruthy();
  });
});

describe('formatMetricSelector', () => {
  it.each([
    [{ metric: 'ack', tags: {} }, 'ack'],
    [{ metric: 'delivery', tags: { room: 'booking', event: 'message:new' } }, 'delivery{event:message:new,room:booking}'],
  ])('%j → %s', (selector, key) => {
    expect(formatMetricSelector(selector)).toBe(key);
    expect(parseMetricSelector(key)).toEqual(selector);
  });
});
