import type { ParamSpec, QuantizerPlugin } from '@reef/core';

/**
 * The parameter inputs of one quantizer, built from what the plugin declares (the descriptors the
 * CLI builds its flags from): a number input per int/float, a select per enum, a checkbox per bool.
 * A field may hold several values separated by commas: each combination is one run, as in a sweep grid.
 */
export function paramFields(plugin: QuantizerPlugin): HTMLElement {
  const box = document.createElement('fieldset');
  box.className = 'params';
  box.dataset.plugin = plugin.id;
  const legend = document.createElement('legend');
  const enable = document.createElement('input');
  enable.type = 'checkbox';
  enable.className = 'use-plugin';
  enable.dataset.plugin = plugin.id;
  const title = document.createElement('label');
  title.append(enable, ` ${plugin.label} `);
  const summary = document.createElement('span');
  summary.className = 'summary';
  summary.textContent = plugin.summary;
  legend.append(title, summary);
  box.append(legend);
  for (const spec of plugin.params) box.append(field(plugin.id, spec));
  return box;
}

function field(pluginId: string, spec: ParamSpec): HTMLElement {
  const label = document.createElement('label');
  label.className = 'param';
  label.title = spec.description;
  let input: HTMLInputElement | HTMLSelectElement;
  if (spec.type === 'enum') {
    input = document.createElement('select');
    for (const v of spec.values) input.append(new Option(v, v, v === spec.default, v === spec.default));
  } else {
    input = document.createElement('input');
    if (spec.type === 'bool') {
      input.type = 'checkbox';
      input.checked = spec.default;
    } else {
      input.type = 'text';
      input.inputMode = 'decimal';
      input.value = String(spec.default);
      input.size = 8;
      const range = [spec.min !== undefined ? `min ${spec.min}` : '', spec.max !== undefined ? `max ${spec.max}` : ''].filter(Boolean).join(', ');
      input.placeholder = range;
    }
  }
  input.name = `${pluginId}.${spec.name}`;
  input.dataset.param = spec.name;
  label.append(`${spec.name} `, input);
  return label;
}

/**
 * The parameter sets the form asks for: each field's comma-separated values, every combination.
 * Values stay strings (core's resolveParams parses and checks them against the declarations).
 */
export function paramSets(box: HTMLElement): Record<string, unknown>[] {
  let sets: Record<string, unknown>[] = [{}];
  for (const input of box.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-param]')) {
    const name = input.dataset.param!;
    const values = input instanceof HTMLInputElement && input.type === 'checkbox'
      ? [input.checked]
      : input.value.split(',').map((v) => v.trim()).filter((v) => v !== '');
    if (values.length === 0) continue;
    sets = sets.flatMap((s) => values.map((v) => ({ ...s, [name]: v })));
  }
  return sets;
}
