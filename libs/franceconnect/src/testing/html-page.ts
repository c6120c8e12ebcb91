/**
 * Reading the server-rendered pages of the platforms and of the service under test: their forms, and the
 * text of an element. The HTML is parsed by parse5, the WHATWG parser jsdom uses, so character
 * references, unquoted attributes, comments, markup nested anywhere and unclosed tags read as a browser
 * reads them.
 */
import { defaultTreeAdapter, html, parse, parseFragment, type DefaultTreeAdapterTypes } from 'parse5';

type Element = DefaultTreeAdapterTypes.Element;
type ParentNode = DefaultTreeAdapterTypes.ParentNode;

/** A parsed HTML form with the values a browser would submit (submit buttons excepted). */
export interface HtmlForm {
  id?: string;
  /** Absolute action URL (the page URL when the form has no action). */
  action: URL;
  method: 'GET' | 'POST';
  /** Hidden, text-like, checked radio and checkbox inputs, textareas and selects, by name. */
  fields: Record<string, string>;
  /** Every value offered per radio group or select, chosen or not, for assertions. */
  options: Record<string, string[]>;
}

/** Input types a browser leaves out of a submission unless they are the button that submits it. */
const NOT_SUBMITTED = new Set(['submit', 'button', 'reset', 'image', 'file']);

/**
 * Parses the `<form>` elements of a page, resolving actions against `pageUrl` (or the page's `<base>`).
 * A control belongs to the form it sits in, or to the one its `form` attribute names; disabled controls
 * (themselves or through a disabled `<fieldset>`) are left out, as a browser leaves them out. A
 * `<select multiple>` gives its first selected value only. Scripts are not run.
 */
export function parseForms(source: string, pageUrl: URL | string): HtmlForm[] {
  const page = new URL(pageUrl);
  const all = [...descendants(parse(source))].filter((element) => element.namespaceURI === html.NS.HTML);
  const base = documentBase(all, page);
  const forms = all.filter((element) => element.tagName === 'form');
  const controls = new Map<Element, Element[]>(forms.map((form) => [form, []]));
  for (const element of all) {
    if (element.tagName !== 'input' && element.tagName !== 'textarea' && element.tagName !== 'select') continue;
    const owner = formOwner(element, all);
    if (owner !== undefined) controls.get(owner)?.push(element);
  }
  return forms.map((form) => {
    const fields: Record<string, string> = {};
    const options: Record<string, string[]> = {};
    for (const control of controls.get(form) ?? []) addControl(control, fields, options);
    const action = attribute(form, 'action');
    return {
      id: attribute(form, 'id'),
      // An empty or missing action submits to the page itself, not to its <base>.
      action: action === undefined || action === '' ? new URL(page) : new URL(action, base),
      method: attribute(form, 'method')?.toLowerCase() === 'post' ? 'POST' : 'GET',
      fields,
      options,
    };
  });
}

/** Decodes the HTML character references of `text`, as the parser does in text content. */
export function decodeHtml(text: string): string {
  // In a <title>, markup is text and only character references are decoded.
  return textContent(parseFragment(defaultTreeAdapter.createElement('title', html.NS.HTML, []), text, {}));
}

/** The text content of the first element with id `id` in the page, or `undefined` when there is none. */
export function textById(source: string, id: string): string | undefined {
  for (const element of descendants(parse(source))) {
    if (attribute(element, 'id') === id) return textContent(element);
  }
  return undefined;
}

function addControl(control: Element, fields: Record<string, string>, options: Record<string, string[]>): void {
  const name = attribute(control, 'name');
  if (!name || isDisabled(control)) return;
  if (control.tagName === 'textarea') {
    fields[name] = textContent(control);
  } else if (control.tagName === 'select') {
    const choices = [...descendants(control)].filter((element) => element.tagName === 'option');
    (options[name] ??= []).push(...choices.map(optionValue));
    const selected = choices.filter((option) => hasAttribute(option, 'selected'));
    // A single select shows its last selected option, or its first enabled one; a multiple one may have none.
    const chosen = hasAttribute(control, 'multiple')
      ? selected[0]
      : (selected.at(-1) ?? choices.find((option) => !isDisabled(option)));
    if (chosen !== undefined && !isDisabled(chosen)) fields[name] = optionValue(chosen);
  } else {
    const type = (attribute(control, 'type') ?? 'text').toLowerCase();
    if (NOT_SUBMITTED.has(type)) return;
    const checkable = type === 'radio' || type === 'checkbox';
    const value = attribute(control, 'value') ?? (checkable ? 'on' : '');
    if (type === 'radio') (options[name] ??= []).push(value);
    if (checkable && !hasAttribute(control, 'checked')) return;
    fields[name] = value;
  }
}

/** The form a control is submitted with: the one its `form` attribute names, else the one it sits in. */
function formOwner(control: Element, all: readonly Element[]): Element | undefined {
  const formId = attribute(control, 'form');
  if (formId !== undefined) {
    const named = all.find((element) => attribute(element, 'id') === formId);
    return named?.tagName === 'form' ? named : undefined;
  }
  for (let node = control.parentNode; node !== null && defaultTreeAdapter.isElementNode(node); node = node.parentNode) {
    if (node.tagName === 'form') return node;
  }
  return undefined;
}

/** Disabled itself, or inside a disabled `<fieldset>` (its first `<legend>` excepted) or `<optgroup>`. */
function isDisabled(element: Element): boolean {
  if (hasAttribute(element, 'disabled')) return true;
  let child = element;
  for (let node = element.parentNode; node !== null && defaultTreeAdapter.isElementNode(node); node = node.parentNode) {
    if (node.tagName === 'optgroup' && hasAttribute(node, 'disabled')) return true;
    if (node.tagName === 'fieldset' && hasAttribute(node, 'disabled')) {
      const firstLegend = node.childNodes.find((sibling) => defaultTreeAdapter.isElementNode(sibling) && sibling.tagName === 'legend');
      if (child !== firstLegend) return true;
    }
    child = node;
  }
  return false;
}

function optionValue(option: Element): string {
  return attribute(option, 'value') ?? textContent(option).replace(/[\t\n\f\r ]+/g, ' ').trim();
}

/** The URL relative actions resolve against: the first `<base href>`, else the page's URL. */
function documentBase(all: readonly Element[], page: URL): URL {
  const base = all.find((element) => element.tagName === 'base' && hasAttribute(element, 'href'));
  const href = base && attribute(base, 'href');
  return href === undefined ? page : (URL.parse(href, page) ?? page);
}

/** Every element under `node`, in document order (a `<template>`'s content is not part of the page). */
function* descendants(node: ParentNode): Generator<Element> {
  for (const child of node.childNodes) {
    if (!defaultTreeAdapter.isElementNode(child)) continue;
    yield child;
    yield* descendants(child);
  }
}

function textContent(node: ParentNode): string {
  let text = '';
  for (const child of node.childNodes) {
    if (defaultTreeAdapter.isTextNode(child)) text += child.value;
    else if (defaultTreeAdapter.isElementNode(child)) text += textContent(child);
  }
  return text;
}

function attribute(element: Element, name: string): string | undefined {
  return element.attrs.find((candidate) => candidate.name === name)?.value;
}

function hasAttribute(element: Element, name: string): boolean {
  return element.attrs.some((candidate) => candidate.name === name);
}
