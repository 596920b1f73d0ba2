"""Graphviz DOT text for a graph: a box per tensor, a circle per gate, edges in operand order."""
from .graph import build, format_array, format_shape

TENSOR_STYLE = {"leaf": "#dbeafe", "tensor": "#f1f5f9", "constant": "#ffffff"}
GATE_STYLE = "#fde68a"


def to_dot(out, params=None, title="chainrule"):
    """Graphviz DOT source for the graph that made ``out``: values, gradients, gate labels.

    ``params`` (optional) names tensors that have no ``name`` of their own, as in
    ``to_dot(loss, params=dict(model.named_parameters()))``. Gradients appear once
    ``backward(retain_graph=True)`` has run (a plain ``backward()`` frees the graph).

    >>> import chainrule as cr
    >>> x = cr.tensor(-2.0, requires_grad=True, name="x")
    >>> y = cr.tensor(5.0, requires_grad=True, name="y")
    >>> dot = cr.viz.to_dot(x * y)
    >>> print("\\n".join(line.split(", shape")[0] for line in dot.splitlines()[4:-1]))
      t0 [id="t0", label="x = -2"
      t1 [id="t1", label="y = 5"
      t2 [id="t2", label="= -10"
      g0 [id="g0", label="*", tooltip="x * y"
      t0 -> g0 [id="e_g0_0", label="x"];
      t1 -> g0 [id="e_g0_1", label="y"];
      g0 -> t2 [id="e_g0_out"];
    """
    return dot_source(build(out, params, "to_dot"), title)


def dot_source(graph, title="chainrule", nodesep=0.25, clusters=()):
    """DOT text of ``graph``; ``nodesep`` (inches) leaves room between nodes of one rank
    (the page writes values and gradients under its nodes); each of ``clusters`` (lists of
    node ids: a module's gates) is kept together in an invisible cluster, so the page's box
    over it covers nothing else."""
    lines = [f"digraph {quote(title)} {{",
             f'  graph [rankdir=LR, nodesep={nodesep}, ranksep=0.35, bgcolor="transparent"];',
             '  node [fontname="Helvetica", fontsize=11, penwidth=1.2];',
             '  edge [fontname="Helvetica", fontsize=9, fontcolor="#64748b", color="#475569",'
             ' arrowsize=0.7];']
    lines += [tensor_line(n) for n in graph.tensors]
    lines += [gate_line(g) for g in graph.gates]
    for g in graph.gates:
        lines += edge_lines(g)
    for i, members in enumerate(clusters):
        lines.append(f"  subgraph cluster_{i} {{ style=invis; {'; '.join(members)}; }}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def tensor_label(node):
    """The lines a tensor node shows: name and value (with shape and dtype past a scalar),
    then the gradient when there is one; only the name and shape where the value is hidden
    until a step reaches it."""
    value = f"= {format_array(node.data)}"
    if node.hide_value:
        return [" ".join(filter(None, (node.name, format_shape(node.data.shape)
                                       if node.data.ndim else "")))]
    if node.data.ndim == 0:
        lines = [f"{node.name} {value}".strip()]
    else:
        lines = [" ".join(filter(None, (node.name, format_shape(node.data.shape),
                                        str(node.data.dtype)))), value]
    if node.grad is not None:
        lines.append(f"grad {format_array(node.grad)}")
    return lines


def tensor_line(node):
    style = "rounded,filled" + (",dashed" if node.kind == "constant" else "")
    return (f"  {node.id} [id={quote(node.id)}, label={quote_lines(tensor_label(node))}, "
            f'shape=box, style="{style}", fillcolor="{TENSOR_STYLE[node.kind]}"];')


def gate_line(gate):
    shape = "circle" if len(gate.label) <= 3 else "ellipse"    # long labels: no huge circles
    return (f"  {gate.id} [id={quote(gate.id)}, label={quote(gate.label)}, "
            f"tooltip={quote(gate.formula)}, shape={shape}, style=filled, "
            f'fillcolor="{GATE_STYLE}", width=0.45, height=0.45];')


def edge_lines(gate):
    """Input edges in operand order, labelled with the gate's input names; then the output."""
    named = len(gate.input_names) == len(gate.inputs) and len(gate.inputs) > 1
    lines = []
    for position, source in enumerate(gate.inputs):
        label = f", label={quote(gate.input_names[position])}" if named else ""
        lines.append(f"  {source} -> {gate.id} [id={quote(f'e_{gate.id}_{position}')}{label}];")
    lines.append(f"  {gate.id} -> {gate.output} [id={quote(f'e_{gate.id}_out')}];")
    return lines


def quote(text):
    """A DOT double-quoted string: backslashes and quotes escaped, newlines kept as \\n."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def quote_lines(lines):
    return quote("\n".join(lines))

