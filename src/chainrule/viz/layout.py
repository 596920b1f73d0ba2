"""A layered left-to-right layout and its SVG, for when Graphviz's ``dot`` is not installed.

Layers are longest paths from the inputs (a leaf sits just left of its first user), nodes in a
layer are ordered by the barycentre of their neighbours (a few sweeps each way, which removes
most crossings), edges are curves. The SVG has the shape of Graphviz's own: one
``<g class="node" id=...>`` per node and one ``<g class="edge" id=...>`` per edge, so the
HTML page treats both the same.
"""
from html import escape

from .dot import GATE_STYLE, TENSOR_STYLE, tensor_label

CHAR_WIDTH = 6.4       # px per character at the 11 px font
LINE_HEIGHT = 14
LAYER_GAP = 44
NODE_GAP = 32          # room for the page's value and gradient notes under a node
SWEEPS = 4


def layout_svg(graph):
    """An SVG picture of ``graph`` laid out without Graphviz."""
    boxes = node_boxes(graph)
    edges = graph_edges(graph)
    layers = order_layers(assign_layers(graph), edges)
    width, height = place(layers, boxes)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'font-family="Helvetica, Arial, sans-serif">', '<g id="graph0" class="graph">']
    parts += [edge_svg(edge, boxes) for edge in edges]
    parts += [node_svg(node_id, boxes[node_id]) for node_id in boxes]
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
        size = max(34.0, len(gate.label) * CHAR_WIDTH + 14)
        boxes[gate.id] = {"lines": [gate.label], "shape": "gate", "w": size, "h": size,
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


def assign_layers(graph):
    """Layer of each node: longest path from the inputs, then every gate pulled right to sit
    just before its first user (so side branches don't pile up in the first layers), and
    each leaf or constant just before its first user."""
    layer = {}
    outputs = {gate.output for gate in graph.gates}
    users = {}
    for gate in graph.gates:    # evaluation order: an input's gate is always seen first
        computed = [layer[i] for i in gate.inputs if i in outputs]
        layer[gate.id] = max(computed, default=0) + 1
        layer[gate.output] = layer[gate.id] + 1
        for i in gate.inputs:
            users.setdefault(i, []).append(gate.id)
    for gate in reversed(graph.gates):
        if gate.output in users:
            latest = min(layer[u] for u in users[gate.output]) - 1
            layer[gate.output] = max(layer[gate.output], latest)
            layer[gate.id] = layer[gate.output] - 1
    for node in graph.tensors:
        if node.id not in outputs:
            layer[node.id] = min((layer[u] for u in users.get(node.id, ())), default=1) - 1
    return layer


def order_layers(layer, edges):
    """Nodes of each layer, ordered to keep edges from crossing (barycentre sweeps)."""
    count = max(layer.values()) + 1
    layers = [[] for _ in range(count)]
    for node_id, k in layer.items():
        layers[k].append(node_id)
    before = {n: [] for n in layer}
    after = {n: [] for n in layer}
    for _, source, target, _ in edges:
        after[source].append(target)
        before[target].append(source)
    position = {}
    for nodes in layers:
        position.update(relative_positions(nodes))
    for sweep in range(SWEEPS):
        neighbours = before if sweep % 2 == 0 else after
        sequence = range(1, count) if sweep % 2 == 0 else range(count - 2, -1, -1)
        for k in sequence:   # only layer k moves: its positions are updated, not all (linear)
            layers[k].sort(key=lambda n: barycentre(n, neighbours, position))
            position.update(relative_positions(layers[k]))
    return layers


def relative_positions(nodes):
    return {n: i / max(len(nodes), 1) for i, n in enumerate(nodes)}


def barycentre(node_id, neighbours, position):
    near = neighbours[node_id]
    if not near:
        return position[node_id]
    return sum(position[n] for n in near) / len(near)


def place(layers, boxes, margin=12):
    """Centre coordinates for every box; returns the picture's width and height."""
    heights = [sum(boxes[n]["h"] for n in nodes) + NODE_GAP * (len(nodes) - 1)
               for nodes in layers]
    total_height = max(heights) + 2 * margin
    x = margin
    for nodes, column_height in zip(layers, heights):
        column_width = max((boxes[n]["w"] for n in nodes), default=0)
        y = (total_height - column_height) / 2
        for n in nodes:
            boxes[n]["x"] = x + column_width / 2
            boxes[n]["y"] = y + boxes[n]["h"] / 2
            y += boxes[n]["h"] + NODE_GAP
        x += column_width + LAYER_GAP
    return x - LAYER_GAP + margin, total_height


def node_svg(node_id, box):
    x, y, w, h = box["x"], box["y"], box["w"], box["h"]
    title = escape(box.get("title", node_id))
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


def edge_svg(edge, boxes):
    edge_id, source, target, label = edge
    a, b = boxes[source], boxes[target]
    x1, y1 = a["x"] + a["w"] / 2, a["y"]
    x2, y2 = b["x"] - b["w"] / 2 - 6, b["y"]
    bend = max((x2 - x1) / 2, 12)
    path = (f'<path d="M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} '
            f'{x2:.1f},{y2:.1f}" fill="none" stroke="#475569"/>')
    arrow = (f'<polygon points="{x2:.1f},{y2 - 3.5:.1f} {x2 + 6:.1f},{y2:.1f} {x2:.1f},'
             f'{y2 + 3.5:.1f}" fill="#475569" stroke="#475569"/>')
    text = ""
    if label:
        text = (f'<text text-anchor="middle" x="{x2 - 10:.1f}" y="{y2 - 5:.1f}" font-size="9" '
                f'fill="#64748b">{escape(label)}</text>')
    return f'<g id="{edge_id}" class="edge"><title>{source}-&gt;{target}</title>' \
           f'{path}{arrow}{text}</g>'
