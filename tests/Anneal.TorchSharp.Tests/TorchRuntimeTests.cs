using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Anneal.TorchSharp.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void TorchSharpLoadsAndMultipliesMatrices()
    {
        TorchRuntime.EnsureLoaded();
        TorchRuntime.EnsureLoaded(); // idempotent

        using Tensor a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2]);
        using Tensor b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using Tensor c = matmul(a, b);

        Assert.Equal([2L, 2L], c.shape);
        Assert.Equal([19f, 22f, 43f, 50f], c.data<float>().ToArray());
    }

    [Fact]
    public void TrainsALinearModelOneStep()
    {
        TorchRuntime.EnsureLoaded();
        manual_seed(7);
        using var model = nn.Linear(3, 1);
        using var optimizer = optim.SGD(model.parameters(), 0.1);
        using Tensor x = ones(4, 3);
        using Tensor y = zeros(4, 1);

        double Loss()
        {
            using Tensor loss = nn.functional.mse_loss(model.forward(x), y);
            return loss.item<float>();
        }

        double before = Loss();
        optimizer.zero_grad();
        using (Tensor loss = nn.functional.mse_loss(model.forward(x), y))
        {
            loss.backward();
        }

        optimizer.step();

        Assert.True(Loss() < before);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void ResolvesCpu(string name)
    {
        Device device = TorchRuntime.ResolveDevice(name);

        Assert.Equal(DeviceType.CPU, device.type);
    }

    [Fact]
    public void CudaWithoutAGpuBackendSaysWhatToReference()
    {
        TorchRuntime.EnsureLoaded();
        if (cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, TorchRuntime.ResolveDevice("cuda").type);
            return;
        }

        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => TorchRuntime.ResolveDevice("cuda"));
        Assert.Contains("libtorch-cuda-12.8", e.Message, StringComparison.Ordinal);
        Assert.Contains("GPU", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => TorchRuntime.ResolveDevice("cuda:0"));
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("")]
    public void UnknownDeviceNamesAreRejected(string name)
    {
        Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice(name));
    }
}
