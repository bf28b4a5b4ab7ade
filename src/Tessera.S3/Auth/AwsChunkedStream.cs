using System.Buffers;
using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Tessera.Core.Errors;

namespace Tessera.S3.Auth;

/// <summary>
/// Decodes an <c>aws-chunked</c> request body (the three streaming <see cref="PayloadMode"/>s) into the object's bytes,
/// verifying the chunk signature chain as it goes. Read-only and forward-only.
/// </summary>
/// <remarks>
/// <para>Wire format: <c>hex-size[;chunk-signature=sig]\r\n data \r\n</c> repeated, then
/// <c>0[;chunk-signature=sig]\r\n</c>, then trailer lines <c>name:value\r\n</c> (and for the signed-trailer mode
/// <c>x-amz-trailer-signature:sig\r\n</c>), then an empty line.</para>
/// <para>Memory is bounded: framing is parsed from one pooled buffer of <see cref="BufferSize"/> bytes; chunk data is
/// copied (or, for large reads, read directly) into the caller's buffer and hashed there, never buffered whole.
/// A chunk's signature is checked as soon as its last byte has been read, before that byte is returned; the caller
/// must still treat an exception at any point as a failed upload and discard what it wrote.</para>
/// <para>Every framing, signature or length problem is an <see cref="S3Exception"/>; a body that ends early ends
/// in <c>IncompleteBody</c>. After the first error every read rethrows it.</para>
/// <para>The inner stream (the request body) is owned by the caller and is not disposed.</para>
/// </remarks>
public sealed class AwsChunkedStream : Core.IO.ReadOnlyForwardStream
{
    /// <summary>The pooled framing buffer's size.</summary>
    internal const int BufferSize = 16 * 1024;

    /// <summary>The longest chunk header or trailer line accepted.</summary>
    internal const int MaxLineLength = 4096;

    /// <summary>The most trailer lines accepted.</summary>
    internal const int MaxTrailerLines = 32;

    /// <summary>Reads of at least this many chunk bytes go straight from the inner stream to the caller's buffer.</summary>
    private const int DirectReadThreshold = 4096;

    /// <summary>Offset of the chunk hash inside the chunk string to sign, after the previous signature.</summary>
    private const int ChunkHashOffsetFromPrevious = 64 + 1 + 64 + 1;

    private readonly Stream _inner;
    private readonly PayloadMode _mode;
    private readonly bool _signedChunks;
    private readonly ReadOnlyMemory<byte> _signingKey;
    private readonly string _amzDate;
    private readonly string _scope;
    private readonly string? _declaredTrailers;
    private readonly long? _decodedContentLength;
    private readonly IncrementalHash? _hash;
    private readonly byte[]? _stringToSign;
    private readonly int _previousSignatureOffset;
    private readonly byte[] _expectedSignature = new byte[32];

    private readonly ArrayPool<byte> _pool;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _innerEnded;
    private State _state;
    private long _chunkRemaining;
    private long _decodedLength;
    private int _trailerLines;
    private bool _trailerSignatureSeen;
    private Dictionary<string, string>? _trailers;
    private ExceptionDispatchInfo? _fault;

    /// <summary>Wraps a request body.</summary>
    /// <param name="inner">The raw request body.</param>
    /// <param name="auth">The verified request; its <see cref="AuthResult.Mode"/> must be a streaming mode.</param>
    /// <param name="declaredTrailers">The <c>x-amz-trailer</c> header, if sent: the trailers must then be exactly those.</param>
    /// <param name="decodedContentLength">The <c>x-amz-decoded-content-length</c> header, if sent.</param>
    /// <param name="pool">Where the framing buffer comes from (returned on dispose); default the shared pool.</param>
    public AwsChunkedStream(Stream inner, AuthResult auth, string? declaredTrailers, long? decodedContentLength, ArrayPool<byte>? pool = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(auth);
        if (!auth.IsStreaming)
        {
            throw new ArgumentException($"Payload mode {auth.Mode} is not aws-chunked.", nameof(auth));
        }

        _inner = inner;
        _mode = auth.Mode;
        _signedChunks = auth.Mode is PayloadMode.StreamingSigned or PayloadMode.StreamingSignedTrailer;
        _signingKey = auth.SigningKey;
        _amzDate = auth.AmzDate;
        _scope = auth.Scope;
        _declaredTrailers = string.IsNullOrWhiteSpace(declaredTrailers) ? null : declaredTrailers;
        _decodedContentLength = decodedContentLength;
        _pool = pool ?? ArrayPool<byte>.Shared;
        _buffer = _pool.Rent(BufferSize);
        if (_signedChunks)
        {
            if (!PayloadHash.IsValidSha256Hex(auth.SeedSignature))
            {
                throw new ArgumentException("The seed signature must be 64 hex digits.", nameof(auth));
            }

            _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

            // "AWS4-HMAC-SHA256-PAYLOAD\n" amzDate "\n" scope "\n" previous "\n" hex(sha256("")) "\n" hex(sha256(chunk)):
            // built once; each chunk rewrites the last field, and the previous signature after it verifies.
            var prefix = $"AWS4-HMAC-SHA256-PAYLOAD\n{_amzDate}\n{_scope}\n";
            _previousSignatureOffset = Encoding.UTF8.GetByteCount(prefix);
            _stringToSign = new byte[_previousSignatureOffset + ChunkHashOffsetFromPrevious + 64];
            Encoding.UTF8.GetBytes(prefix, _stringToSign);
            Encoding.ASCII.GetBytes(auth.SeedSignature, _stringToSign.AsSpan(_previousSignatureOffset, 64));
            _stringToSign[_previousSignatureOffset + 64] = (byte)'\n';
            Encoding.ASCII.GetBytes(PayloadHash.EmptySha256Hex, _stringToSign.AsSpan(_previousSignatureOffset + 65, 64));
            _stringToSign[_previousSignatureOffset + 129] = (byte)'\n';
        }
    }

    private enum State
    {
        ChunkHeader,
        ChunkData,
        ChunkDataEnd,
        Trailer,
        End,
        Done,
    }

    private enum Step
    {
        Produced,
        Done,
        NeedInput,
        ReadDirect,
    }

    /// <summary>The trailers sent after the last chunk (e.g. <c>x-amz-checksum-crc32</c> → base64), names compared case-insensitively.</summary>
    /// <exception cref="InvalidOperationException">The body has not been read to its end yet.</exception>
    public IReadOnlyDictionary<string, string> Trailers => _state == State.Done
        ? (IReadOnlyDictionary<string, string>?)_trailers ?? ReadOnlyDictionary<string, string>.Empty
        : throw new InvalidOperationException("The trailers are known once the body has been read to its end.");

    /// <summary>Whether the body has been read to its end and fully verified.</summary>
    public bool IsCompleted => _state == State.Done;

    /// <summary>The number of decoded bytes returned so far.</summary>
    public long DecodedLength => _decodedLength;

    /// <inheritdoc />
    public override bool CanRead => _buffer is not null;

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        ThrowIfUnusable();
        try
        {
            while (true)
            {
                switch (Advance(buffer, out var count))
                {
                    case Step.Produced:
                        return count;
                    case Step.Done:
                        return 0;
                    case Step.ReadDirect:
                        var direct = _inner.Read(buffer[..count]);
                        if (direct == 0)
                        {
                            _innerEnded = true;
                            break;
                        }

                        OnChunkData(buffer[..direct]);
                        return direct;
                    default:
                        PrepareFill();
                        var read = _inner.Read(_buffer.AsSpan(_end));
                        OnFilled(read);
                        break;
                }
            }
        }
        catch (S3Exception exception)
        {
            _fault = ExceptionDispatchInfo.Capture(exception);
            throw;
        }
    }

    /// <inheritdoc />
    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 0 ? -1 : one[0];
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    /// <remarks>The hot path of every upload: reads that complete from the framing buffer do not allocate, and the
    /// state machine of reads that wait on the inner stream is pooled.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        try
        {
            while (true)
            {
                switch (Advance(buffer.Span, out var count))
                {
                    case Step.Produced:
                        return count;
                    case Step.Done:
                        return 0;
                    case Step.ReadDirect:
                        var direct = await _inner.ReadAsync(buffer[..count], cancellationToken).ConfigureAwait(false);
                        if (direct == 0)
                        {
                            _innerEnded = true;
                            break;
                        }

                        OnChunkData(buffer.Span[..direct]);
                        return direct;
                    default:
                        PrepareFill();
                        var read = await _inner.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                        OnFilled(read);
                        break;
                }
            }
        }
        catch (S3Exception exception)
        {
            _fault = ExceptionDispatchInfo.Capture(exception);
            throw;
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && _buffer is { } buffer)
        {
            _buffer = null;
            _pool.Return(buffer);
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Runs the decoder on what is buffered, without I/O: produces bytes into <paramref name="destination"/>, or says
    /// what input it needs. Every path that asks for input after the inner stream ended throws instead, so a
    /// truncated body cannot loop.
    /// </summary>
    private Step Advance(Span<byte> destination, out int count)
    {
        count = 0;
        while (true)
        {
            switch (_state)
            {
                case State.ChunkHeader:
                    {
                        if (!TryTakeLine(out var line))
                        {
                            return NeedInput();
                        }

                        OnChunkHeader(line);
                        break;
                    }

                case State.ChunkData:
                    {
                        if (destination.IsEmpty)
                        {
                            return Step.Produced;
                        }

                        var wanted = (int)Math.Min(_chunkRemaining, destination.Length);
                        var buffered = _end - _start;
                        if (buffered > 0)
                        {
                            count = Math.Min(wanted, buffered);
                            _buffer.AsSpan(_start, count).CopyTo(destination);
                            _start += count;
                            OnChunkData(destination[..count]);
                            return Step.Produced;
                        }

                        if (_innerEnded)
                        {
                            ThrowTruncated();
                        }

                        if (wanted >= DirectReadThreshold)
                        {
                            count = wanted;
                            return Step.ReadDirect;
                        }

                        return Step.NeedInput;
                    }

                case State.ChunkDataEnd:
                    {
                        if (_end - _start < 2)
                        {
                            return NeedInput();
                        }

                        if (_buffer![_start] != '\r' || _buffer[_start + 1] != '\n')
                        {
                            AuthErrors.ThrowMalformedChunk("chunk data is not followed by CRLF.");
                        }

                        _start += 2;
                        _state = State.ChunkHeader;
                        break;
                    }

                case State.Trailer:
                    {
                        if (!TryTakeLine(out var line))
                        {
                            // Lenient: a client that ends the body right after its last trailer line (the signature,
                            // when signed), without the empty line.
                            if (_innerEnded && _start == _end && _trailerLines > 0
                                && (_mode != PayloadMode.StreamingSignedTrailer || _trailerSignatureSeen))
                            {
                                Complete();
                                break;
                            }

                            return NeedInput();
                        }

                        if (line.IsEmpty)
                        {
                            Complete();
                        }
                        else
                        {
                            OnTrailerLine(line);
                        }

                        break;
                    }

                case State.End:
                    {
                        // The body must end where its framing does: bytes after the last line would be data no
                        // signature or checksum covers.
                        if (_start < _end)
                        {
                            AuthErrors.ThrowMalformedChunk("data after the final chunk.");
                        }

                        if (!_innerEnded)
                        {
                            return Step.NeedInput;
                        }

                        _state = State.Done;
                        break;
                    }

                default:
                    return Step.Done;
            }
        }
    }

    private Step NeedInput()
    {
        if (_innerEnded)
        {
            ThrowTruncated();
        }

        return Step.NeedInput;
    }

    /// <summary>Makes room at the end of the framing buffer before a read from the inner stream.</summary>
    private void PrepareFill()
    {
        if (_innerEnded)
        {
            ThrowTruncated();
        }

        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_start > 0 && _buffer!.Length - _end < MaxLineLength)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    private void OnFilled(int read)
    {
        if (read == 0)
        {
            _innerEnded = true;
        }
        else
        {
            _end += read;
        }
    }

    /// <summary>Takes one CRLF-terminated line from the buffer (without the CRLF), if a whole one is there.</summary>
    private bool TryTakeLine(out ReadOnlySpan<byte> line)
    {
        var available = _buffer.AsSpan(_start, _end - _start);
        var newline = available.IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (available.Length >= MaxLineLength)
            {
                AuthErrors.ThrowMalformedChunk("a chunk header or trailer line is too long.");
            }

            line = default;
            return false;
        }

        if (newline == 0 || available[newline - 1] != '\r')
        {
            AuthErrors.ThrowMalformedChunk("a chunk header or trailer line does not end with CRLF.");
        }

        line = available[..(newline - 1)];
        _start += newline + 1;
        return true;
    }

    private void OnChunkHeader(ReadOnlySpan<byte> line)
    {
        var semicolon = line.IndexOf((byte)';');
        var sizeText = semicolon < 0 ? line : line[..semicolon];
        if (sizeText.IsEmpty || sizeText.Length > 15)
        {
            AuthErrors.ThrowMalformedChunk("invalid chunk size.");
        }

        long size = 0;
        foreach (var digit in sizeText)
        {
            if (!SigV4Encoding.TryHexValue((char)digit, out var value))
            {
                AuthErrors.ThrowMalformedChunk("invalid chunk size.");
            }

            size = (size << 4) | (uint)value;
        }

        if (_signedChunks)
        {
            var extension = semicolon < 0 ? [] : line[(semicolon + 1)..];
            if (!extension.StartsWith("chunk-signature="u8))
            {
                AuthErrors.ThrowMalformedChunk("a chunk has no chunk-signature.");
            }

            if (!SigV4Encoding.TryParseHex(extension["chunk-signature=".Length..], _expectedSignature))
            {
                AuthErrors.ThrowSignatureDoesNotMatch();
            }
        }

        if (_decodedContentLength is { } expected && _decodedLength + size > expected)
        {
            AuthErrors.ThrowIncompleteBody("The aws-chunked body holds more data than x-amz-decoded-content-length.");
        }

        if (size == 0)
        {
            if (_signedChunks)
            {
                VerifyChunk();
            }

            _state = State.Trailer;
        }
        else
        {
            _chunkRemaining = size;
            _state = State.ChunkData;
        }
    }

    private void OnChunkData(ReadOnlySpan<byte> data)
    {
        _hash?.AppendData(data);
        _chunkRemaining -= data.Length;
        _decodedLength += data.Length;
        if (_chunkRemaining == 0)
        {
            if (_signedChunks)
            {
                VerifyChunk();
            }

            _state = State.ChunkDataEnd;
        }
    }

    /// <summary>Checks the chunk just read against its signature, which then becomes the previous signature.</summary>
    private void VerifyChunk()
    {
        var stringToSign = _stringToSign!;
        Span<byte> digest = stackalloc byte[32];
        _hash!.GetHashAndReset(digest);
        SigV4Encoding.WriteHexLower(digest, stringToSign.AsSpan(_previousSignatureOffset + ChunkHashOffsetFromPrevious, 64));
        HMACSHA256.HashData(_signingKey.Span, stringToSign, digest);
        if (!CryptographicOperations.FixedTimeEquals(digest, _expectedSignature))
        {
            AuthErrors.ThrowSignatureDoesNotMatch();
        }

        SigV4Encoding.WriteHexLower(_expectedSignature, stringToSign.AsSpan(_previousSignatureOffset, 64));
    }

    private void OnTrailerLine(ReadOnlySpan<byte> line)
    {
        if (_mode == PayloadMode.StreamingSigned)
        {
            AuthErrors.ThrowMalformedChunk("trailers were sent without a trailer payload mode.");
        }

        if (_trailerSignatureSeen)
        {
            AuthErrors.ThrowMalformedChunk("x-amz-trailer-signature must be the last trailer.");
        }

        if (++_trailerLines > MaxTrailerLines)
        {
            AuthErrors.ThrowMalformedChunk("too many trailers.");
        }

        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            AuthErrors.ThrowMalformedChunk("a trailer line has no name.");
        }

        var name = line[..colon].Trim(" \t"u8);
        var value = line[(colon + 1)..].Trim(" \t"u8);
        if (_mode == PayloadMode.StreamingSignedTrailer)
        {
            if (Ascii.EqualsIgnoreCase(name, "x-amz-trailer-signature"u8))
            {
                if (!SigV4Encoding.TryParseHex(value, _expectedSignature))
                {
                    AuthErrors.ThrowSignatureDoesNotMatch();
                }

                _trailerSignatureSeen = true;
                return;
            }

            // The trailer signature covers the trailer lines as sent, each as "name:value\n".
            _hash!.AppendData(line);
            _hash.AppendData("\n"u8);
        }

        _trailers ??= new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!_trailers.TryAdd(Encoding.UTF8.GetString(name), Encoding.UTF8.GetString(value)))
        {
            AuthErrors.ThrowMalformedChunk("a trailer was sent twice.");
        }
    }

    /// <summary>The end of the body: the trailer signature, the decoded length and the declared trailers.</summary>
    private void Complete()
    {
        if (_mode == PayloadMode.StreamingSignedTrailer)
        {
            if (!_trailerSignatureSeen)
            {
                throw new S3Exception(S3Errors.SignatureDoesNotMatch, "The x-amz-trailer-signature trailer is missing.");
            }

            VerifyTrailer();
        }

        if (_decodedContentLength is { } expected && _decodedLength != expected)
        {
            AuthErrors.ThrowIncompleteBody("The aws-chunked body holds less data than x-amz-decoded-content-length.");
        }

        if (_declaredTrailers is not null)
        {
            CheckDeclaredTrailers(_declaredTrailers);
        }

        _state = State.End;
    }

    /// <summary>
    /// HMAC(key, "AWS4-HMAC-SHA256-TRAILER\n" amzDate "\n" scope "\n" previous "\n" hex(sha256(trailer lines))),
    /// chained from the final (empty) chunk's signature.
    /// </summary>
    private void VerifyTrailer()
    {
        Span<byte> digest = stackalloc byte[32];
        _hash!.GetHashAndReset(digest);
        var builder = new ByteBuilder(stackalloc byte[256]);
        try
        {
            builder.Append("AWS4-HMAC-SHA256-TRAILER\n"u8);
            builder.AppendUtf8(_amzDate);
            builder.Append((byte)'\n');
            builder.AppendUtf8(_scope);
            builder.Append((byte)'\n');
            builder.Append(_stringToSign.AsSpan(_previousSignatureOffset, 64));
            builder.Append((byte)'\n');
            SigV4Encoding.WriteHexLower(digest, builder.GetSpan(64));
            builder.Advance(64);
            HMACSHA256.HashData(_signingKey.Span, builder.Written, digest);
        }
        finally
        {
            builder.Dispose();
        }

        if (!CryptographicOperations.FixedTimeEquals(digest, _expectedSignature))
        {
            AuthErrors.ThrowSignatureDoesNotMatch();
        }
    }

    private void CheckDeclaredTrailers(string declared)
    {
        var expected = 0;
        var names = declared.AsSpan();
        foreach (var range in names.Split(','))
        {
            var name = names[range].Trim();
            if (name.IsEmpty)
            {
                continue;
            }

            expected++;
            if (_trailers is null || !_trailers.GetAlternateLookup<ReadOnlySpan<char>>().ContainsKey(name))
            {
                AuthErrors.Throw(S3Errors.InvalidRequest, $"The trailer {name} declared in x-amz-trailer was not sent.");
            }
        }

        if ((_trailers?.Count ?? 0) != expected)
        {
            AuthErrors.Throw(S3Errors.InvalidRequest, "The body holds trailers that x-amz-trailer did not declare.");
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        _fault?.Throw();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowTruncated()
        => AuthErrors.ThrowIncompleteBody("The aws-chunked body ended before its final chunk.");
}
