"""The built-in layout, for when Graphviz's ``dot`` is not installed or the graph is large:
igraph's layered (Sugiyama) layout, turned to run left to right, and its SVG.

igraph (a maintained graph library with a C core) does the three hard parts: the layers, the
order of the nodes in each layer (fewer crossings) and their positions, with a bend point
for each layer a long edge passes, so edges go around nodes rather than through them. It is
given the graph with its edges reversed, so its layers count back from the output and every
node sits as far right as it can: a parameter just left of the gate that uses it, not in a
first column far from it. Here only the sizes of the boxes (from their labels) and the
turning of igraph's top-to-bottom layers into columns are done.

The SVG has the shape of Graphviz's own: one ``<g class="node" id=...>`` per node and one
``<g class="edge" id=...>`` per edge, so the HTML page treats both the same.
"""
from html import escape

import igraph

from .dot import GATE_STYLE, TENSOR_STYLE, tensor_label

CHAR_WIDTH = 6.4       # px per character at the 11 px font
LINE_HEIGHT = 14
GATE_SIZE = 34         # a gate is a circle this wide, or an ellipse this high for long labels
LAYER_GAP = 44
NODE_GAP = 32          # room for the page's value and gradient notes under a node
MARGIN = 12
BENDS_PER_NODE = 20


def layout_svg(graph):
    """An SVG picture of ``graph`` laid out without Graphviz."""
    return picture(node_boxes(graph), graph_edges(graph))


def picture(boxes, edges):
    """SVG of ``boxes`` (id -> size, shape and text) joined by ``edges`` ((id, source,
    target, label)); the boxes get their centres (``x``, ``y``)."""
    routes, width, height = place(boxes, edges)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'font-family="Helvetica, Arial, sans-serif">', '<g id="graph0" class="graph">']
    parts += [edge_svg(edge, boxes, routes[i]) for i, edge in enumerate(edges)]
    parts += [node_svg(node_id, box) for node_id, box in boxes.items()]
    parts.append("</g></svg>")
    return "\n".join(parts)


def node_boxes(graph):
    """Size, shape and text of every node (positions come later)."""
    boxes = {}
    for node in graph.tensors:
        lines = tensor_label(node)
        boxes[node.id] = {"lines": lines, "shape": node.kind,
                          "w": max(len(s) for s in lines) * CHAR_WIDTH + 16,
                          "h": len(lines) * LINE_HEIGHT + 10}
    for gate in graph.gates:
        width = max(GATE_SIZE, len(gate.label) * CHAR_WIDTH + 14)
        boxes[gate.id] = {"lines": [gate.label], "shape": "gate", "w": width, "h": GATE_SIZE,
                          "title": gate.formula}
    return boxes


def graph_edges(graph):
    """(edge id, source, target, label) in operand order."""
    edges = []
    for gate in graph.gates:
        named = len(gate.input_names) == len(gate.inputs) and len(gate.inputs) > 1
        for position, source in enumerate(gate.inputs):
            label = gate.input_names[position] if named else ""
            edges.append((f"e_{gate.id}_{position}", source, gate.id, label))
        edges.append((f"e_{gate.id}_out", gate.id, gate.output, ""))
    return edges


def place(boxes, edges):
    """Centres for every box from igraph's layered layout, and each edge's bend points;
    returns (bend points per edge, width, height).

    igraph's layers become columns (its layer 0, the output, rightmost), each as wide as its
    widest box; its positions within a layer become heights, one slot per position, a slot
    as tall as the tallest box plus room for the page's notes (igraph spaces nodes and
    bend points at least one position apart, so nothing overlaps)."""
    ids = list(boxes)
    index = {node_id: i for i, node_id in enumerate(ids)}
    pairs = [(index[t], index[s]) for _, s, t, _ in edges]     # reversed: output first
    kept = routed(len(ids), pairs)
    layout = igraph.Graph(n=len(ids), directed=True,
                          edges=[pairs[i] for i in kept]).layout_sugiyama()
    coords = layout.coords[:len(ids)]
    last = int(max((c[1] for c in coords), default=0))
    slot = max((b["h"] for b in boxes.values()), default=0) + NODE_GAP
    positions = [c[0] for c in coords] + [p[0] for r in layout.edge_routing for p in r]
    top, bottom = min(positions, default=0.0), max(positions, default=0.0)
    columns, width = column_centres(last, [(int(c[1]), boxes[n]["w"])
                                           for n, c in zip(ids, coords)])

    def point(position, layer):
        return columns[last - int(layer)], MARGIN + slot / 2 + (position - top) * slot

    for node_id, (position, layer) in zip(ids, coords):
        boxes[node_id]["x"], boxes[node_id]["y"] = point(position, layer)
    routes = [[] for _ in edges]
    for i, route in zip(kept, layout.edge_routing):
        routes[i] = [point(*p) for p in route]
    return routes, width, 2 * MARGIN + (bottom - top + 1) * slot


def routed(count, pairs):
    """Indices of the edges igraph lays out: every edge, unless their bend points (one per
    column an edge passes) would pass ``BENDS_PER_NODE`` per node; then the longest are left
    out and drawn straight, across what lies between (a value used all along a long chain
    would otherwise bend once per column per use: quadratic). Every edge to a node's
    nearest user (one column away) is kept, so the layers are the same either way."""
    users = [[] for _ in range(count)]
    for target, source in pairs:
        users[source].append(target)
    depth = [0] * count    # columns from the output: igraph's layer in the reversed graph
    for node in igraph.Graph(n=count, directed=True, edges=pairs).topological_sorting():
        depth[node] = max((depth[u] + 1 for u in users[node]), default=0)
    extra = sorted((depth[source] - depth[target] - 1, i)
                   for i, (target, source) in enumerate(pairs))
    kept, bends = [], 0
    for passes, i in extra:
        bends += passes
        if passes and bends > BENDS_PER_NODE * count:
            break
        kept.append(i)
    return sorted(kept)


def column_centres(last, widths):
    """x of each column's centre, left to right (column k holds igraph's layer last - k),
    and the width of them all."""
    widest = [0.0] * (last + 1)
    for layer, width in widths:
        widest[last - layer] = max(widest[last - layer], width)
    centres, x = [], MARGIN
    for width in widest:
        centres.append(x + width / 2)
        x += width + LAYER_GAP
    return centres, x - LAYER_GAP + MARGIN


def node_svg(node_id, box):
    x, y, w, h = box["x"], box["y"], box["w"], box["h"]
    title = escape(box.get("title", node_id))
    if box["shape"] == "group":      # a closed module: the page opens it on a click
        return (f'<g id="{node_id}" class="group-box"><title>{title}</title>'
                f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" '
                f'height="{h:.1f}" rx="8"/><text class="group-label" text-anchor="middle" '
                f'x="{x:.1f}" y="{y + 4:.1f}">{escape(box["lines"][0])}</text></g>')
    if box["shape"] == "gate":
        shape = (f'<ellipse cx="{x:.1f}" cy="{y:.1f}" rx="{w / 2:.1f}" ry="{h / 2:.1f}" '
                 f'fill="{GATE_STYLE}" stroke="#334155"/>')
    else:
        fill = TENSOR_STYLE[box["shape"]]
        dash = ' stroke-dasharray="4 3"' if box["shape"] == "constant" else ""
        shape = (f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.1f}" '
                 f'height="{h:.1f}" rx="6" fill="{fill}" stroke="#334155"{dash}/>')
    top = y - (len(box["lines"]) - 1) * LINE_HEIGHT / 2 + 4
    texts = [f'<text text-anchor="middle" x="{x:.1f}" y="{top + i * LINE_HEIGHT:.1f}" '
             f'font-size="11">{escape(line)}</text>' for i, line in enumerate(box["lines"])]
    return (f'<g id="{node_id}" class="node"><title>{title}</title>{shape}'
            + "".join(texts) + "</g>")


def edge_svg(edge, boxes, bends=()):
    """A curve from the source's right side through the bend points to the target's left,
    level at each point (so it crosses a column between that column's nodes)."""
    edge_id, source, target, label = edge
    a, b = boxes[source], boxes[target]
    points = [(a["x"] + a["w"] / 2, a["y"]), *bends, (b["x"] - b["w"] / 2 - 6, b["y"])]
    path = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        bend = max((x2 - x1) / 2, 12)
        path += f" C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    x2, y2 = points[-1]
    arrow = (f'<polygon points="{x2:.1f},{y2 - 3.5:.1f} {x2 + 6:.1f},{y2:.1f} {x2:.1f},'
             f'{y2 + 3.5:.1f}" fill="#475569" stroke="#475569"/>')
    text = ""
    if label:
        text = (f'<text text-anchor="middle" x="{x2 - 10:.1f}" y="{y2 - 5:.1f}" font-size="9" '
                f'fill="#64748b">{escape(label)}</text>')
    return (f'<g id="{edge_id}" class="edge"><title>{source}-&gt;{target}</title>'
            f'<path d="{path}" fill="none" stroke="#475569"/>{arrow}{text}</g>')
