// Import cycles in a directed graph: Tarjan's strongly connected components, then one concrete
// shortest cycle through each component so the report can name the import lines to change.

/**
 * @param {Map<string, Set<string>>} graph node -> nodes it imports (nodes absent as keys have no edges)
 * @returns {{ members: string[], cycle: string[] }[]} one entry per cycle group, members sorted; cycle is a
 *   path [a, b, …, a] through the group starting at its first member
 */
export function findCycles(graph) {
  const groups = [];
  for (const component of stronglyConnected(graph)) {
    const members = [...component].sort();
    const first = members[0];
    const selfLoop = graph.get(first)?.has(first);
    if (members.length === 1 && !selfLoop) continue;
    groups.push({ members, cycle: shortestCycle(graph, first, component) });
  }
  return groups.sort((a, b) => (a.members[0] < b.members[0] ? -1 : 1));
}

// Iterative Tarjan (no recursion: a long import chain must not overflow the stack).
function stronglyConnected(graph) {
  const index = new Map();
  const low = new Map();
  const onStack = new Set();
  const stack = [];
  const components = [];
  let counter = 0;
  const nodes = new Set(graph.keys());
  for (const targets of graph.values()) for (const t of targets) nodes.add(t);
  for (const start of [...nodes].sort()) {
    if (index.has(start)) continue;
    const work = [{ node: start, next: [...(graph.get(start) ?? [])], i: 0 }];
    index.set(start, counter); low.set(start, counter); counter++;
    stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      if (frame.i < frame.next.length) {
        const target = frame.next[frame.i++];
        if (!index.has(target)) {
          index.set(target, counter); low.set(target, counter); counter++;
          stack.push(target); onStack.add(target);
          work.push({ node: target, next: [...(graph.get(target) ?? [])], i: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node), index.get(target)));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent), low.get(frame.node)));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = new Set();
        let member;
        do {
          member = stack.pop();
          onStack.delete(member);
          component.add(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

// Breadth-first from `start` back to itself, staying inside its component.
function shortestCycle(graph, start, component) {
  const previous = new Map();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    for (const target of [...(graph.get(node) ?? [])].sort()) {
      if (!component.has(target)) continue;
      if (target === start) {
        const back = [start];
        for (let at = node; at !== start; at = previous.get(at)) back.push(at);
        back.push(start);
        return back.reverse(); // built from the end: [start, …, node] plus the closing start
      }
      if (!previous.has(target)) {
        previous.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}
