"""F.affine_grid and F.grid_sample against PyTorch: grids for 2-D and 3-D sizes (sizes of
1 included), sampling with every mode and padding mode, align_corners both ways, grid
points inside, on the border and outside; values and the gradients of the image and of the
grid; a small spatial transformer end to end; central differences; PyTorch's warning and
errors, and the refusals."""
import warnings

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
pytestmark = [pytest.mark.filterwarnings("ignore:Default grid_sample"),
              pytest.mark.filterwarnings("ignore:Since version 1.3.0")]


@pytest.mark.parametrize("size", [(2, 3, 4, 7), (2, 1, 1, 3), (2, 2, 3, 4, 5)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_pytorch(size, align_corners):
    spatial = len(size) - 2
    theta = np.random.default_rng(0).standard_normal((2, spatial, spatial + 1))
    ours, theirs = cr.tensor(theta, requires_grad=True), torch.tensor(theta, requires_grad=True)
    grid = cr.nn.functional.affine_grid(ours, size, align_corners=align_corners)
    tgrid = torch.nn.functional.affine_grid(theirs, size, align_corners=align_corners)
    assert tuple(grid.shape) == tuple(tgrid.shape)
    np.testing.assert_allclose(grid.detach().numpy(), tgrid.detach().numpy(), atol=1e-12)
    weight = np.random.default_rng(1).standard_normal(tuple(tgrid.shape))
    (grid * cr.tensor(weight)).sum().backward()
    (tgrid * torch.tensor(weight)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def sample_grid():
    grid = np.random.default_rng(2).uniform(-1.4, 1.4, (2, 4, 7, 2))
    grid[0, 0, :4] = [[0.0, 0.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 0.3]]   # centre and borders
    return grid


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample_matches_pytorch(mode, padding_mode, align_corners):
    image = np.random.default_rng(3).standard_normal((2, 3, 5, 6))
    grid = sample_grid()
    ours = [cr.tensor(image, requires_grad=True), cr.tensor(grid, requires_grad=True)]
    theirs = [torch.tensor(image, requires_grad=True), torch.tensor(grid, requires_grad=True)]
    out = cr.nn.functional.grid_sample(*ours, mode, padding_mode, align_corners)
    tout = torch.nn.functional.grid_sample(*theirs, mode, padding_mode, align_corners)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    weight = np.random.default_rng(4).standard_normal(tuple(tout.shape))
    (out * cr.tensor(weight)).sum().backward()
    (tout * torch.tensor(weight)).sum().backward()
    for t, tt in zip(ours, theirs):
        ours_grad = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        np.testing.assert_allclose(ours_grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_spatial_transformer_end_to_end_matches_pytorch():
    """A localisation net's affine map, its grid, the sampled image, a loss: every
    parameter's gradient as PyTorch's."""
    results = []
    for lib in (cr, torch):
        lib.manual_seed(0)
        image = lib.tensor(np.random.default_rng(5).standard_normal((3, 1, 6, 6)))
        locate = lib.nn.Linear(36, 6).double()
        with lib.no_grad():
            locate.weight.copy_(lib.tensor(np.random.default_rng(6).standard_normal((6, 36)) * 0.05))
            locate.bias.copy_(lib.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0]))
        theta = locate(image.flatten(1)).reshape(-1, 2, 3)
        grid = lib.nn.functional.affine_grid(theta, (3, 1, 6, 6), align_corners=False)
        out = lib.nn.functional.grid_sample(image, grid, align_corners=False)
        out.pow(2).mean().backward()
        results.append([out.detach().numpy(), locate.weight.grad.numpy(),
                        locate.bias.grad.numpy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_gradients_match_central_differences():
    image = cr.tensor(np.random.default_rng(7).standard_normal((1, 2, 4, 5)), requires_grad=True)
    grid = cr.tensor(np.random.default_rng(8).uniform(-0.9, 0.9, (1, 3, 2, 2)),
                     requires_grad=True)
    for padding_mode in ("zeros", "border", "reflection"):
        assert cr.gradcheck(lambda x, g: cr.nn.functional.grid_sample(
            x, g, padding_mode=padding_mode, align_corners=False), (image, grid))


def test_unit_size_warning_and_empty_size_error_as_pytorch():
    theta = np.zeros((1, 2, 3))
    for lib in (cr, torch):
        with pytest.warns(UserWarning, match="unit-size grids"):
            lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 1, 4), align_corners=True)
        with pytest.raises(ValueError, match="positive output size"):
            lib.nn.functional.affine_grid(lib.tensor(theta), (1, 1, 0, 4), align_corners=False)


def test_float32_and_the_default_align_corners_warning_as_pytorch():
    image = np.random.default_rng(9).standard_normal((1, 2, 4, 4)).astype(np.float32)
    grid = np.random.default_rng(10).uniform(-1, 1, (1, 3, 3, 2)).astype(np.float32)
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        out = cr.nn.functional.grid_sample(cr.tensor(image), cr.tensor(grid))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tout = torch.nn.functional.grid_sample(torch.tensor(image), torch.tensor(grid))
    assert out.dtype == cr.float32
    np.testing.assert_allclose(out.numpy(), tout.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda F, lib: F.affine_grid(lib.zeros(1, 2, 3), (1, 1, 3, 3, 3), align_corners=False),
    lambda F, lib: F.affine_grid(lib.zeros(1, 2, 3, dtype=lib.int64), (1, 1, 3, 3),
                                 align_corners=False),
    lambda F, lib: F.grid_sample(lib.ones(1, 1, 3, 3), lib.zeros(1, 2, 2, 2), mode="cubic",
                                 align_corners=False),
    lambda F, lib: F.grid_sample(lib.ones(1, 1, 3, 3), lib.zeros(1, 2, 2, 2),
                                 padding_mode="wrap", align_corners=False),
])
def test_errors_where_pytorch_raises(call):
    with pytest.raises(ValueError):
        call(torch.nn.functional, torch)
    with pytest.raises(ValueError):
        call(cr.nn.functional, cr)


def test_what_is_not_supported_yet_is_refused_by_name():
    F = cr.nn.functional
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.grid_sample(cr.ones(1, 1, 3, 3), cr.zeros(1, 2, 2, 2), mode="bicubic",
                      align_corners=False)
    with pytest.raises(NotImplementedError, match="3-D"):
        F.grid_sample(cr.ones(1, 1, 3, 3, 3), cr.zeros(1, 2, 2, 2, 3), align_corners=False)
    with pytest.raises(TypeError, match="dtype"):
        F.grid_sample(cr.ones(1, 1, 3, 3), cr.zeros(1, 2, 2, 2, dtype=cr.float64),
                      align_corners=False)
