using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using BpfDotnet.Interop;
using BpfDotnet.Loader;
using BpfDotnet.KernelModel;
using static BpfDotnet.Interop.BpfSyscalls;

namespace BpfDotnet
{
    /// <summary>
    /// A BPF ELF object loaded into the kernel: its BTF, maps and programs. Follows libbpf's object conventions
    /// (BTF-defined maps in <c>.maps</c>, programs in sections named after their kind, <c>.rel*</c> relocations,
    /// func and line info from <c>.BTF.ext</c>), so it loads objects built by BpfDotnet and by clang.
    /// Dispose it to detach every link and release every kernel object it created.
    /// </summary>
    public sealed class BpfObject : IDisposable
    {
        private readonly Dictionary<string, BpfProgramHandle> _programs = new Dictionary<string, BpfProgramHandle>(StringComparer.Ordinal);
        private readonly Dictionary<string, BpfMapHandle> _maps = new Dictionary<string, BpfMapHandle>(StringComparer.Ordinal);
        private readonly Dictionary<string, IDisposable> _readers = new Dictionary<string, IDisposable>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _verifierLogs = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly List<BpfLink> _links = new List<BpfLink>();

        /// <summary>Attachments that are not links (routes, tc filters), deleted with the object.</summary>
        private readonly List<IDisposable> _attachments = new List<IDisposable>();
        private readonly object _gate = new object();
        private BpfFileDescriptor? _btf;
        private bool _disposed;

        private BpfObject()
        {
        }

        /// <summary>Programs by function (symbol) name.</summary>
        public IReadOnlyDictionary<string, BpfProgramHandle> Programs => _programs;

        /// <summary>Maps by name: the variable name for <c>.maps</c> entries, the section name (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>) for global data.</summary>
        public IReadOnlyDictionary<string, BpfMapHandle> Maps => _maps;

        /// <summary>
        /// The verifier log of each program's successful load, by program name, at <see cref="BpfLoadOptions.LogLevel"/>:
        /// empty at level 0 (the default); level 4 (statistics) gives lines such as <c>stack depth 16</c> and
        /// <c>processed 42 insns (limit 1000000) ...</c>. Logs of failed loads are carried by <see cref="BpfVerifierException"/>.
        /// </summary>
        public IReadOnlyDictionary<string, string> VerifierLogs => _verifierLogs;

        /// <summary>The kernel id of the object's BTF, or 0 when the object has no BTF.</summary>
        public uint BtfId => _btf?.KernelId(12) ?? 0;

        /// <summary>Links created by <see cref="BpfProgramHandle.Attach"/> or <see cref="AttachAll"/> that are still attached.</summary>
        public IReadOnlyList<BpfLink> Links
        {
            get
            {
                lock (_gate) return _links.ToArray();
            }
        }

        /// <summary>Reads a BPF object file and loads it (see <see cref="Load"/>).</summary>
        /// <param name="path">Path of the object (<c>*.bpf.o</c>).</param>
        /// <param name="options">Load options; null for defaults.</param>
        /// <returns>The loaded object.</returns>
        /// <exception cref="BpfException">The file is missing or not a BPF object, or loading failed.</exception>
        /// <exception cref="BpfVerifierException">The verifier rejected a program.</exception>
        public static BpfObject LoadFile(string path, BpfLoadOptions? options = null)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BpfException($"Cannot read BPF object '{path}': {e.Message}", e);
            }
            return Load(bytes, options);
        }

        /// <summary>
        /// Loads a BPF ELF object: loads its BTF (BPF_BTF_LOAD), creates its maps (BPF_MAP_CREATE), applies relocations
        /// and loads each program (BPF_PROG_LOAD). Nothing is attached yet. On failure everything created so far is released.
        /// </summary>
        /// <param name="elf">The object's bytes.</param>
        /// <param name="options">Load options; null for defaults.</param>
        /// <returns>The loaded object.</returns>
        /// <exception cref="BpfException">The object is malformed or uses unsupported features, or the kernel refused an object.</exception>
        /// <exception cref="BpfVerifierException">The verifier rejected a program; the exception carries its log.</exception>
        public static BpfObject Load(ReadOnlySpan<byte> elf, BpfLoadOptions? options = null)
        {
            options ??= new BpfLoadOptions();
            var obj = new BpfObject();
            try
            {
                ElfObjectFile file = ElfObjectFile.Parse(elf);
                new ObjectLoader(obj, file, options).Run();
                return obj;
            }
            catch (Exception e) when (IsMalformedInput(e))
            {
                // A record whose offsets, counts or sizes the checks before it did not catch: the object is malformed.
                obj.Dispose();
                throw new BpfException($"The BPF object is malformed: {e.Message} ({e.GetType().Name}). It is truncated, corrupt, or not a BPF object; rebuild it.", e);
            }
            catch
            {
                obj.Dispose();
                throw;
            }
        }

        /// <summary>The exceptions reading past, or outside, the records of an untrusted object raises.</summary>
        private static bool IsMalformedInput(Exception e)
            => e is ArgumentException or IndexOutOfRangeException or OverflowException or EndOfStreamException or IOException or FormatException;

        /// <summary>Returns the program named <paramref name="name"/> (its function name).</summary>
        /// <param name="name">The function name.</param>
        /// <returns>The program.</returns>
        /// <exception cref="BpfException">No such program; the message lists the available names.</exception>
        public BpfProgramHandle GetProgram(string name)
        {
            ThrowIfDisposed();
            if (_programs.TryGetValue(name, out BpfProgramHandle? p)) return p;
            throw new BpfException($"The object has no program named '{name}'. Available programs: {List(_programs.Keys)}.");
        }

        /// <summary>Returns the map named <paramref name="name"/>.</summary>
        /// <param name="name">The map name.</param>
        /// <returns>The map.</returns>
        /// <exception cref="BpfException">No such map; the message lists the available names.</exception>
        public BpfMapHandle GetMap(string name)
        {
            ThrowIfDisposed();
            if (_maps.TryGetValue(name, out BpfMapHandle? m)) return m;
            throw new BpfException($"The object has no map named '{name}'. Available maps: {List(_maps.Keys)}.");
        }

        /// <summary>
        /// Reads a global variable: <typeparamref name="T"/> at byte <paramref name="offset"/> of the global-data section
        /// <paramref name="section"/> (<c>.data</c>, <c>.bss</c> or <c>.rodata</c>), as the kernel holds it now.
        /// </summary>
        /// <exception cref="BpfException">The object has no such section, or the variable lies outside it.</exception>
        public T ReadGlobal<T>(string section, int offset) where T : unmanaged
        {
            var map = GetMap(section);
            var value = new byte[map.ValueSize];
            if (offset < 0 || offset + System.Runtime.CompilerServices.Unsafe.SizeOf<T>() > value.Length)
                throw new BpfException($"A {typeof(T).Name} at offset {offset} lies outside {section} ({value.Length} bytes).");
            if (!map.TryLookup(new byte[4], value))
                throw new BpfException($"The global-data map {section} has no entry 0.");
            return System.Runtime.InteropServices.MemoryMarshal.Read<T>(value.AsSpan(offset));
        }

        /// <summary>
        /// Writes a global variable in <c>.data</c> or <c>.bss</c> (read, change, write back the section: not atomic with
        /// respect to programs writing other variables of the same section at the same moment).
        /// </summary>
        /// <exception cref="BpfException">The object has no such section, the variable lies outside it, or it is read-only.</exception>
        public void WriteGlobal<T>(string section, int offset, T value) where T : unmanaged
        {
            var map = GetMap(section);
            var bytes = new byte[map.ValueSize];
            if (offset < 0 || offset + System.Runtime.CompilerServices.Unsafe.SizeOf<T>() > bytes.Length)
                throw new BpfException($"A {typeof(T).Name} at offset {offset} lies outside {section} ({bytes.Length} bytes).");
            if (!map.TryLookup(new byte[4], bytes))
                throw new BpfException($"The global-data map {section} has no entry 0.");
            System.Runtime.InteropServices.MemoryMarshal.Write(bytes.AsSpan(offset), in value);
            map.Update(new byte[4], bytes);
        }

        /// <summary>Returns a typed view of the map named <paramref name="name"/>.</summary>
        /// <typeparam name="TKey">Key type; its size must equal the map's key size.</typeparam>
        /// <typeparam name="TValue">Value type; its size must equal the map's value size.</typeparam>
        /// <param name="name">The map name.</param>
        /// <returns>The typed view.</returns>
        /// <exception cref="BpfException">No such map, or the type sizes do not match the map's.</exception>
        public BpfMapHandle<TKey, TValue> GetMap<TKey, TValue>(string name)
            where TKey : unmanaged
            where TValue : unmanaged
            => new BpfMapHandle<TKey, TValue>(GetMap(name));

        /// <summary>Returns a typed view of the per-CPU map named <paramref name="name"/>: every CPU's value for each key.</summary>
        /// <typeparam name="TKey">Key type (<see cref="uint"/> for a per-CPU array); its size must equal the map's key size.</typeparam>
        /// <typeparam name="TValue">Value type; its size must equal the map's value size.</typeparam>
        /// <param name="name">The map name.</param>
        /// <returns>The typed view.</returns>
        /// <exception cref="BpfException">No such map, the map is not per-CPU, or the type sizes do not match the map's.</exception>
        public BpfPerCpuMapHandle<TKey, TValue> GetPerCpuMap<TKey, TValue>(string name)
            where TKey : unmanaged
            where TValue : unmanaged
            => new BpfPerCpuMapHandle<TKey, TValue>(GetMap(name));

        /// <summary>Returns the queue or stack map named <paramref name="name"/> (a <see cref="BpfQueue{T}"/> or <see cref="BpfStack{T}"/> field).</summary>
        /// <exception cref="BpfException">No such map, it is not a queue or stack, or the value size does not match.</exception>
        public BpfQueueHandle<T> GetQueue<T>(string name)
            where T : unmanaged
            => new BpfQueueHandle<T>(GetMap(name));

        /// <summary>Returns the bloom filter named <paramref name="name"/> (a <see cref="BpfBloomFilter{T}"/> field).</summary>
        /// <exception cref="BpfException">No such map, it is not a bloom filter, or the value size does not match.</exception>
        public BpfBloomFilterHandle<T> GetBloomFilter<T>(string name)
            where T : unmanaged
            => new BpfBloomFilterHandle<T>(GetMap(name));

        /// <summary>Returns the stack-trace map named <paramref name="name"/> (a <see cref="BpfStackTraceMap"/> field).</summary>
        /// <exception cref="BpfException">No such map, or it is not a stack-trace map.</exception>
        public BpfStackTraceMapHandle GetStackTraceMap(string name) => new BpfStackTraceMapHandle(GetMap(name));

        /// <summary>A map of maps (<see cref="BpfArrayOfMaps{TInner}"/>, <see cref="BpfHashOfMaps{TKey, TInner}"/>) by name.</summary>
        /// <exception cref="BpfException">There is no such map, it is not a map of maps, or its key is not a <typeparamref name="TKey"/>.</exception>
        public BpfMapOfMapsHandle<TKey> GetMapOfMaps<TKey>(string name) where TKey : unmanaged => new BpfMapOfMapsHandle<TKey>(GetMap(name));

        /// <summary>
        /// Returns the reader of the perf event array named <paramref name="name"/> (a <see cref="BpfPerfEventArray{T}"/>
        /// field): a perf buffer per CPU, opened and put in the array on the first call; the object disposes it.
        /// </summary>
        /// <typeparam name="T">The record type the programs send.</typeparam>
        /// <param name="name">The map name.</param>
        /// <param name="pagesPerCpu">Each CPU's buffer in pages, a power of two (on the first call only).</param>
        /// <returns>The reader (the same one on every call with this name).</returns>
        /// <exception cref="BpfException">No such map, the map is not a perf event array, or opening the buffers failed.</exception>
        public BpfPerfBufferReader<T> GetPerfBuffer<T>(string name, int pagesPerCpu = 64)
            where T : unmanaged
        {
            BpfMapHandle map = GetMap(name);
            lock (_gate)
            {
                ThrowIfDisposed();
                if (_readers.TryGetValue(name, out IDisposable? existing))
                {
                    return existing as BpfPerfBufferReader<T>
                        ?? throw new BpfException($"Perf event array '{name}' is already read with records of another type than {typeof(T).Name}.");
                }
                var reader = new BpfPerfBufferReader<T>(map, pagesPerCpu);
                _readers.Add(name, reader);
                return reader;
            }
        }

        /// <summary>
        /// Returns the reader of the ring buffer named <paramref name="name"/> (a <see cref="BpfRingBuffer{T}"/> field), mapping
        /// the buffer into this process on the first call; the object disposes it with the map.
        /// </summary>
        /// <typeparam name="T">The record type the programs send.</typeparam>
        /// <param name="name">The map name.</param>
        /// <returns>The reader (the same one on every call with this name).</returns>
        /// <exception cref="BpfException">No such map, the map is not a ring buffer, or mapping it failed.</exception>
        public BpfRingBufferReader<T> GetRingBuffer<T>(string name)
            where T : unmanaged
        {
            BpfMapHandle map = GetMap(name);
            lock (_gate)
            {
                ThrowIfDisposed();
                if (_readers.TryGetValue(name, out IDisposable? existing))
                {
                    return existing as BpfRingBufferReader<T>
                        ?? throw new BpfException($"Ring buffer '{name}' is already read with records of another type than {typeof(T).Name}.");
                }
                _maps.TryGetValue(name + KernelModel.MapKinds.DropCounterSuffix, out BpfMapHandle? drops);
                var reader = new BpfRingBufferReader<T>(map, drops);
                _readers.Add(name, reader);
                return reader;
            }
        }

        /// <summary>
        /// Attaches every program. Each must be one whose section name says where (<see cref="BpfProgramHandle.CanAutoAttach"/>):
        /// when one is not, nothing is attached and the exception names it (attach the others one by one with
        /// <see cref="BpfProgramHandle.Attach"/>). If one attachment fails, the ones made by this call are detached.
        /// </summary>
        /// <returns>The new links, also owned by this object.</returns>
        /// <exception cref="BpfException">A program cannot be attached without being told where, or an attachment failed.</exception>
        public IReadOnlyList<BpfLink> AttachAll()
        {
            ThrowIfDisposed();
            var manual = _programs.Values.Where(p => !p.CanAutoAttach).Select(p => $"'{p.Name}' (section '{p.SectionName}': {p.ManualAttach})").ToList();
            if (manual.Count > 0)
            {
                throw new BpfException($"AttachAll cannot attach {string.Join(", ", manual)}: the section does not say where to attach it. " +
                    "Nothing was attached; attach each with the call named, and the other programs with their handle's Attach().");
            }
            var made = new List<BpfLink>();
            try
            {
                foreach (BpfProgramHandle p in _programs.Values)
                {
                    if (p.CanAutoAttach) made.Add(p.Attach());
                }
            }
            catch
            {
                foreach (BpfLink l in made) l.Dispose();
                throw;
            }
            return made;
        }

        /// <summary>
        /// Detaches all links and deletes the routes and tc filters its programs were attached with, then closes programs,
        /// maps and the BTF object. Safe to call more than once.
        /// </summary>
        public void Dispose()
        {
            BpfLink[] links;
            IDisposable[] attachments;
            lock (_gate)
            {
                if (_disposed) return;
                _disposed = true;
                links = _links.ToArray();
                _links.Clear();
                attachments = _attachments.ToArray();
                _attachments.Clear();
            }
            foreach (BpfLink l in links) l.Dispose();
            foreach (IDisposable a in attachments)
            {
                try
                {
                    a.Dispose();
                }
                catch (BpfException)
                {
                    // The kernel refused to delete it; the object goes on releasing the rest (the attachment's own Dispose says why).
                }
            }
            foreach (IDisposable r in _readers.Values) r.Dispose();
            foreach (BpfProgramHandle p in _programs.Values) p.Fd.Dispose();
            foreach (BpfMapHandle m in _maps.Values) m.Dispose();
            _btf?.Dispose();
        }

        internal void ThrowIfDisposed()
        {
            if (_disposed) throw new ObjectDisposedException(nameof(BpfObject), "The BPF object has been disposed; its programs, maps and links are released.");
        }

        internal void TrackLink(BpfLink link)
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    link.Dispose();
                    ThrowIfDisposed();
                }
                _links.Add(link);
            }
            link.Disposed += l =>
            {
                lock (_gate) _links.Remove(l);
            };
        }

        /// <summary>
        /// Owns <paramref name="attachment"/> (a route, a tc filter) until it is disposed: disposing the object deletes it.
        /// The attachment calls <see cref="ForgetAttachment"/> when disposed first.
        /// </summary>
        internal void TrackAttachment(IDisposable attachment)
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _attachments.Add(attachment);
                    return;
                }
            }
            attachment.Dispose();
            ThrowIfDisposed();
        }

        internal void ForgetAttachment(IDisposable attachment)
        {
            lock (_gate) _attachments.Remove(attachment);
        }

        private static string List(IEnumerable<string> names)
        {
            string s = string.Join(", ", names.OrderBy(n => n, StringComparer.Ordinal));
            return s.Length == 0 ? "(none)" : s;
        }

        /// <summary>The steps of <see cref="Load"/>, with the state they share.</summary>
        private sealed class ObjectLoader
        {

            private readonly BpfObject _obj;
            private readonly ElfObjectFile _elf;
            private readonly BpfLoadOptions _options;

            /// <summary>The kernel BTF that CO-RE relocations and BTF attach targets are resolved against (read on first use).</summary>
            private KernelBtf KernelTypes => KernelBtf.For(_options.KernelBtfPath);
            private Btf? _btf;
            private BtfExtReader? _btfExt;
            private int _btfFd = -1;
            private readonly Dictionary<ulong, BpfMapHandle> _mapsByOffset = new Dictionary<ulong, BpfMapHandle>();
            private readonly Dictionary<int, BpfMapHandle> _dataMapsBySection = new Dictionary<int, BpfMapHandle>();
            private ElfSection? _mapsSection;
            private ElfSection? _textSection;

            public ObjectLoader(BpfObject obj, ElfObjectFile elf, BpfLoadOptions options)
            {
                _obj = obj;
                _elf = elf;
                _options = options;
            }

            public void Run()
            {
                LoadBtf();
                CreateMaps();
                CreateDataMaps();
                LoadPrograms();
            }

            private void LoadBtf()
            {
                ElfSection? sec = _elf.FindSection(".BTF");
                if (sec == null) return;
                _btf = new Btf(sec.Data);
                _btf.FixupDatasecs(_elf);
                ElfSection? ext = _elf.FindSection(".BTF.ext");
                if (ext != null) _btfExt = new BtfExtReader(ext.Data, _btf, message => new BpfException(message));

                uint size = Math.Max(_options.LogBufferSize, 4096u);
                int fd = BtfLoad(_btf.Raw, (uint)Math.Min(_options.LogLevel, 2), size, out string log, out int errno);
                if (fd < 0)
                {
                    int first = errno;
                    if (log.Length == 0) fd = BtfLoad(_btf.Raw, 1, size, out log, out errno);
                    if (fd < 0)
                    {
                        string tail = string.Join(Environment.NewLine, log.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(8).Select(l => "  " + l));
                        string advice = first == Native.EPERM ? BpfErrors.Advice(first)
                            : "The kernel rejected the object's BTF (type information); the log below names the offending type. Rebuild the object, or report the log if it was produced by BpfDotnet.";
                        throw new BpfException($"Failed to load the object's BTF (BPF_BTF_LOAD): {Native.ErrnoName(first)}. {advice}" +
                                               (tail.Length > 0 ? Environment.NewLine + "BTF log:" + Environment.NewLine + tail : ""), first);
                    }
                }
                _obj._btf = new BpfFileDescriptor(fd);
                _btfFd = fd;
            }


            private void CreateMaps()
            {
                _mapsSection = _elf.FindSection(".maps");
                if (_mapsSection == null) return;
                if (_btf == null)
                    throw new BpfException("The object has a .maps section but no .BTF section; BTF-defined maps need BTF. Compile with debug info (clang -g).");
                foreach (BtfMapDefinition def in _btf.ReadMaps())
                {
                    if (def.Type == 0)
                        throw new BpfException($"Map '{def.Name}' has no type; declare __uint(type, BPF_MAP_TYPE_...).");
                    ElfSymbol? sym = _elf.Symbols.FirstOrDefault(s => s.SectionIndex == _mapsSection.Index && s.Name == def.Name);
                    if (sym == null)
                        throw new BpfException($"Map '{def.Name}' is described in BTF but has no ELF symbol in .maps (libbpf fails with ENOENT here too).");
                    if (_obj._maps.ContainsKey(def.Name)) throw new BpfException($"The object has two maps named '{def.Name}'; names must be unique.");
                    uint keySize = def.KeySize, valueSize = def.ValueSize;
                    // A perf event array declared without a size gets a slot per possible CPU, as libbpf gives it.
                    if (def.Type == (uint)BpfMapType.PerfEventArray && def.MaxEntries == 0) def.MaxEntries = (uint)BpfSystem.GetPossibleCpuCount();
                    bool sizeless = def.Type is (uint)BpfMapType.Ringbuf or (uint)BpfMapType.UserRingbuf;
                    // A map of maps is created with a map like its inner maps (the kernel keeps only its shape), then
                    // that map is closed; the handle keeps the shape to create inner maps from.
                    BpfMapTemplate? inner = def.Inner is { } innerDef
                        ? new BpfMapTemplate(innerDef.Name, (BpfMapType)innerDef.Type, innerDef.KeySize, innerDef.ValueSize, innerDef.MaxEntries, innerDef.Flags)
                        : null;
                    using var innerMap = inner?.Create(null);
                    int innerFd = innerMap is null ? -1 : innerMap.Fd.Value;
                    int fd = MapCreate(def.Type, keySize, valueSize, def.MaxEntries, def.Flags, def.Name,
                        sizeless ? -1 : _btfFd, sizeless ? 0 : def.KeyTypeId, sizeless ? 0 : def.ValueTypeId, out int errno, innerFd);
                    if (fd < 0 && _btfFd >= 0 && errno != Native.EPERM)
                    {
                        // Some map types reject BTF key/value types; retry without them as libbpf does.
                        fd = MapCreate(def.Type, keySize, valueSize, def.MaxEntries, def.Flags, def.Name, -1, 0, 0, out int errno2, innerFd);
                        if (fd >= 0) errno = 0;
                    }
                    if (fd < 0)
                        throw BpfErrors.FromErrno(errno,
                            $"to create map '{def.Name}' (BPF_MAP_CREATE: type {(BpfMapType)def.Type}, key {keySize} B, value {valueSize} B, max_entries {def.MaxEntries}, flags 0x{def.Flags:x})",
                            RefusedParameter(def.Type, def.MaxEntries, def.Flags, valueSize));
                    var handle = new BpfMapHandle(def.Name, (BpfMapType)def.Type, keySize, valueSize, def.MaxEntries, def.Flags, new BpfFileDescriptor(fd)) { InnerMap = inner };
                    _obj._maps.Add(def.Name, handle);
                    _mapsByOffset[sym.Value] = handle;
                }
            }

            /// <summary>
            /// What the kernel refuses in a map's parameters, by the map kinds table (for the types it describes), as advice
            /// for the exception; null to keep the errno's own.
            /// </summary>
            private static string? RefusedParameter(uint type, uint maxEntries, uint flags, uint valueSize)
            {
                MapKind? kind = MapKinds.ByType(type);
                return kind is { } known && MapKinds.Problem(known, maxEntries, flags, valueSize) is string problem
                    ? "The kernel refuses these parameters: " + problem + "."
                    : null;
            }

            /// <summary><c>.rodata*</c>, <c>.data*</c> and <c>.bss*</c> become single-entry array maps holding the section.</summary>
            private void CreateDataMaps()
            {
                foreach (ElfSection sec in _elf.Sections)
                {
                    bool rodata = sec.Name == ".rodata" || sec.Name.StartsWith(".rodata.", StringComparison.Ordinal);
                    bool data = sec.Name == ".data" || sec.Name.StartsWith(".data.", StringComparison.Ordinal);
                    bool bss = sec.Name == ".bss" || sec.Name.StartsWith(".bss.", StringComparison.Ordinal);
                    if (!(rodata || data || bss) || sec.Size == 0) continue;
                    // String literal pools (.rodata.str1.1, .rodata.cst*) become read-only maps of their own.
                    uint flags = rodata ? (uint)MapFlags.ReadOnlyProgram : 0;
                    uint valueSize = (uint)sec.Size;
                    // Checked before the map exists, so that nothing is created that the object would not own.
                    if (_obj._maps.ContainsKey(sec.Name)) throw new BpfException($"The object has two maps or sections named '{sec.Name}'; names must be unique.");
                    int fd = MapCreate((uint)BpfMapType.Array, 4, valueSize, 1, flags, sec.Name, -1, 0, 0, out int errno);
                    if (fd < 0)
                        throw BpfErrors.FromErrno(errno, $"to create the global-data map for section {sec.Name} (BPF_MAP_CREATE, {valueSize} B)");
                    var handle = new BpfMapHandle(sec.Name, BpfMapType.Array, 4, valueSize, 1, flags, new BpfFileDescriptor(fd));
                    _obj._maps.Add(sec.Name, handle);
                    _dataMapsBySection[sec.Index] = handle;
                    if (_options.GlobalData.TryGetValue(sec.Name, out byte[]? initial))
                    {
                        if (initial.Length != (int)valueSize)
                            throw new BpfException($"The initial contents given for {sec.Name} are {initial.Length} bytes; the section is {valueSize} bytes.");
                        handle.Update(new byte[4], initial);
                    }
                    else if (!bss)
                    {
                        handle.Update(new byte[4], sec.Data);
                    }
                    if (rodata && MapFreeze(fd, out errno) < 0)
                        throw BpfErrors.FromErrno(errno, $"to freeze the read-only map {sec.Name} (BPF_MAP_FREEZE)");
                }
            }

            private void LoadPrograms()
            {
                string license = "";
                ElfSection? lic = _elf.FindSection("license");
                if (lic != null) license = CString(lic.Data);
                _textSection = _elf.FindSection(".text");

                foreach (ElfSection sec in _elf.Sections)
                {
                    if (!sec.IsExecutable || sec.Name == ".text" || sec.Size == 0) continue;
                    ProgramKind? kind = ProgramKinds.Find(sec.Name);
                    if (kind == null)
                        throw new BpfException($"Section '{sec.Name}' holds code but its name is not a known program kind. Known prefixes: {ProgramKinds.KnownPrefixes}.");
                    if (!kind.Value.LoadSupported)
                        throw new BpfException($"Section '{sec.Name}' ({kind.Value.Prefix} programs, type {kind.Value.Type}) needs a BTF id from the kernel's vmlinux BTF at load time, which this loader does not support yet.");
                    var funcs = _elf.Symbols
                        .Where(s => s.SectionIndex == sec.Index && s.SymType == ElfSymbol.SttFunc && s.Bind != ElfSymbol.StbLocal)
                        .OrderBy(s => s.Value)
                        .ToList();
                    if (funcs.Count == 0)
                        throw new BpfException($"Section '{sec.Name}' holds code but no global function symbol; programs must be non-static functions.");
                    foreach (ElfSymbol f in funcs)
                    {
                        if (f.Size == 0 || f.Size % 8 != 0 || f.Value + f.Size > sec.Size)
                            throw new BpfException($"Program '{f.Name}' in section '{sec.Name}' has an invalid size ({f.Size} bytes at offset {f.Value}).");
                        LoadProgram(f, sec, kind.Value, license);
                    }
                }
            }

            /// <summary>A piece of code placed in the final program: a function from some section.</summary>
            private sealed record Chunk(ElfSection Section, ulong Start, ulong Size, int Base);

            private void LoadProgram(ElfSymbol func, ElfSection sec, ProgramKind kind, string license)
            {
                var chunks = new List<Chunk> { new Chunk(sec, func.Value, func.Size, 0) };
                var code = new List<byte>(sec.Data.AsSpan((int)func.Value, (int)func.Size).ToArray());
                var placedSubprogs = new Dictionary<ulong, int>();   // .text offset -> base instruction index

                for (int c = 0; c < chunks.Count; c++)
                {
                    Chunk chunk = chunks[c];
                    foreach (ElfRelocation rel in _elf.RelocationsFor(chunk.Section))
                    {
                        if (rel.Offset < chunk.Start || rel.Offset >= chunk.Start + chunk.Size) continue;
                        int insn = chunk.Base + (int)((rel.Offset - chunk.Start) / 8);
                        ApplyRelocation(func.Name, chunk, rel, insn, code, chunks, placedSubprogs);
                    }
                }

                ApplyCoreRelocations(func.Name, chunks, code);
                byte[] insns = code.ToArray();
                var args = new ProgLoadArgs
                {
                    ProgType = (uint)kind.Type,
                    ExpectedAttachType = (uint)kind.ExpectedAttach,
                    Name = func.Name,
                    Instructions = insns,
                    License = license,
                    BtfFd = _btfFd,
                    // Tracing programs (tp_btf, fentry, iterators, LSM) name what they attach to by its id in the kernel's BTF.
                    AttachBtfId = kind.Type is KernelModel.ProgramType.Tracing or KernelModel.ProgramType.Lsm ? KernelTypes.AttachTarget(sec.Name, kind) : 0,
                    Flags = kind.Sleepable ? KernelModel.ProgLoadFlags.Sleepable : 0,
                };
                if (_btfExt != null && _btfFd >= 0)
                {
                    (args.FuncInfo, args.FuncInfoCount) = CollectExt(_btfExt.FuncInfo, chunks);
                    args.FuncInfoRecSize = _btfExt.FuncInfo.RecordSize;
                    (args.LineInfo, args.LineInfoCount) = CollectExt(_btfExt.LineInfo, chunks);
                    args.LineInfoRecSize = _btfExt.LineInfo.RecordSize;
                }
                BpfFileDescriptor fd;
                string log;
                try
                {
                    fd = BpfProgramLoader.Load(args, func.Name, _options, out log);
                }
                catch (BpfVerifierException e) when (_poisoned.Count > 0 && e.VerifierLog.Contains("unknown#" + PoisonedCall.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    throw new BpfException(string.Join(" ", _poisoned), e);
                }
                if (_obj._programs.ContainsKey(func.Name))
                {
                    fd.Dispose();
                    throw new BpfException($"The object defines program '{func.Name}' twice.");
                }
                _obj._verifierLogs[func.Name] = log;
                _obj._programs.Add(func.Name, new BpfProgramHandle(_obj, func.Name, sec.Name, kind, fd));
            }

            /// <summary>
            /// CO-RE: each <c>mov</c> whose immediate is a kernel struct member's offset, as the program's declaration placed
            /// it, gets the offset the running kernel's BTF gives the member (looking into anonymous members); a member the
            /// kernel lacks, or holds at another size or kind, is a load error naming it.
            /// </summary>
            /// <summary>The helper id libbpf writes into a read of a member the kernel lacks (0xbad2310), which the verifier names "unknown#195896080".</summary>
            private const int PoisonedCall = 0xbad2310;

            /// <summary>The reads of missing members this program's load poisoned, reported if the verifier meets one.</summary>
            private readonly List<string> _poisoned = new List<string>();

            private void ApplyCoreRelocations(string prog, List<Chunk> chunks, List<byte> code)
            {
                _poisoned.Clear();
                if (_btfExt is null || _btf is null || !_btfExt.HasCoreRelocations) return;
                foreach (Chunk chunk in chunks)
                {
                    if (!_btfExt.CoreRelocations.BySection.TryGetValue(chunk.Section.Name, out var records)) continue;
                    foreach (byte[] record in records)
                    {
                        uint insnOff = BitConverter.ToUInt32(record, 0), typeId = BitConverter.ToUInt32(record, 4), kind = BitConverter.ToUInt32(record, 12);
                        string access = _btf.String(BitConverter.ToUInt32(record, 8));
                        if (insnOff < chunk.Start || insnOff >= chunk.Start + chunk.Size) continue;
                        int insn = chunk.Base + (int)((insnOff - chunk.Start) / 8);
                        int at = insn * 8;
                        var local = _btf.Get(typeId);
                        if (at + 8 > code.Count || code[at] != Opcodes.Alu(false, Opcodes.AluMov, register: false))
                            throw new BpfException($"Program '{prog}': the CO-RE relocation of {local.Name} ('{access}') points at an instruction that is not a mov of an immediate.");
                        switch ((CoreRelocationKind)kind)
                        {
                            case CoreRelocationKind.FieldByteOffset or CoreRelocationKind.FieldByteSize or CoreRelocationKind.FieldExists or CoreRelocationKind.FieldSigned
                                or CoreRelocationKind.FieldLShiftU64 or CoreRelocationKind.FieldRShiftU64:
                                ApplyFieldRelocation(prog, (CoreRelocationKind)kind, local, typeId, access, code, at);
                                break;
                            case CoreRelocationKind.TypeIdLocal or CoreRelocationKind.TypeIdTarget or CoreRelocationKind.TypeExists or CoreRelocationKind.TypeSize or CoreRelocationKind.TypeMatches:
                                ApplyTypeRelocation(prog, (CoreRelocationKind)kind, local, typeId, access, code, at);
                                break;
                            case CoreRelocationKind.EnumValueExists or CoreRelocationKind.EnumValue:
                                ApplyEnumRelocation(prog, (CoreRelocationKind)kind, local, typeId, access, code, at);
                                break;
                            default:
                                throw new BpfException($"Program '{prog}' has a CO-RE relocation of a kind this loader does not know (kind {kind}, access '{access}' on BTF type {typeId}).");
                        }
                    }
                }
            }

            /// <summary>A member's offset, size, existence or signedness, found by walking the access's member indexes from the local struct.</summary>
            private void ApplyFieldRelocation(string prog, CoreRelocationKind kind, BtfType local, uint typeId, string access, List<byte> code, int at)
            {
                string[] spec = access.Split(':');
                if (local.Kind is not (BtfKind.Struct or BtfKind.Union) || spec.Length < 2 || spec[0] != "0")
                    throw new BpfException($"Program '{prog}' has a CO-RE member relocation whose access '{access}' on BTF type {typeId} this loader cannot follow (it follows members of structs and unions).");
                // The access walks members: of the root struct, then of the struct that member holds, and so on.
                var names = new List<string>();
                var current = local;
                uint memberType = 0;
                bool localBitfield = false;
                for (int s = 1; s < spec.Length; s++)
                {
                    if (!int.TryParse(spec[s], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) || index >= current.Vlen
                        || current.Kind is not (BtfKind.Struct or BtfKind.Union))
                        throw new BpfException($"Program '{prog}' has a CO-RE relocation whose access '{access}' does not follow the members of BTF type {typeId}.");
                    var step = _btf!.Members(current).ElementAt(index);
                    localBitfield = current.KindFlag && (step.BitOffset >> 24) != 0;
                    names.Add(step.Name);
                    memberType = step.Type;
                    current = _btf.SkipModifiers(step.Type);
                }
                string memberName = string.Join(".", names);
                var found = KernelTypes.Member(KernelBtf.WithoutFlavor(local.Name), names, out string missing);
                if (kind == CoreRelocationKind.FieldExists)
                {
                    SetImm(code, at, found is null ? 0 : 1);
                    return;
                }
                if (found is not { } target)
                {
                    Poison(code, at, $"Program '{prog}' {(kind == CoreRelocationKind.FieldByteOffset ? "reads" : "asks about")} {local.Name}.{memberName}, but {missing}; guard it with Core.FieldExists, or this kernel cannot run it (the C# member is the PascalCase of {memberName}).");
                    return;
                }
                if (kind == CoreRelocationKind.FieldSigned)
                {
                    SetImm(code, at, target.Signed ? 1 : 0);
                    return;
                }
                if (localBitfield || target.BitSize > 0 || kind is CoreRelocationKind.FieldLShiftU64 or CoreRelocationKind.FieldRShiftU64)
                {
                    // Read as libbpf reads a bitfield: the bytes that hold it, and the shifts that extract it.
                    if (target.Read() is not { } read)
                        throw new BpfException($"Program '{prog}' reads {local.Name}.{memberName}, which the running kernel places where no 8-byte read holds it.");
                    SetImm(code, at, kind switch
                    {
                        CoreRelocationKind.FieldByteOffset => read.ByteOffset,
                        CoreRelocationKind.FieldByteSize => read.ByteSize,
                        CoreRelocationKind.FieldLShiftU64 => read.LeftShift,
                        _ => read.RightShift,
                    });
                    return;
                }
                if (kind == CoreRelocationKind.FieldByteSize)
                {
                    SetImm(code, at, target.Size);
                    return;
                }
                int localSize = (int)_btf!.SizeOf(memberType);
                bool localPointer = current.Kind == BtfKind.Ptr;
                if (target.Size != localSize || target.Pointer != localPointer)
                    throw new BpfException($"Program '{prog}' reads {local.Name}.{memberName} as a {localSize}-byte {(localPointer ? "pointer" : "integer")}, but the running kernel's is a {target.Size}-byte {(target.Pointer ? "pointer" : "value")}; declare it as the kernel does (KernelTypes.GenerateCSharp).");
                SetImm(code, at, target.Offset);
            }

            /// <summary>A type's local or kernel id, existence, size or match, found by the local type's name and kind.</summary>
            private void ApplyTypeRelocation(string prog, CoreRelocationKind kind, BtfType local, uint typeId, string access, List<byte> code, int at)
            {
                if (access != "0" || local.Name.Length == 0)
                    throw new BpfException($"Program '{prog}' has a CO-RE type relocation with access '{access}' on BTF type {typeId}, which is not a named type's ('0').");
                if (kind == CoreRelocationKind.TypeIdLocal)
                {
                    SetImm(code, at, (int)typeId);
                    return;
                }
                uint? found = KernelTypes.FindLike(local, local.Name);
                switch (kind)
                {
                    case CoreRelocationKind.TypeExists:
                        SetImm(code, at, found is null ? 0 : 1);
                        return;
                    case CoreRelocationKind.TypeMatches:
                        SetImm(code, at, found is uint candidate && KernelTypes.Matches(_btf!, local, candidate) ? 1 : 0);
                        return;
                }
                if (found is not uint id)
                {
                    Poison(code, at, $"Program '{prog}' asks for the {(kind == CoreRelocationKind.TypeSize ? "size" : "kernel BTF id")} of {local.Kind.ToString().ToLowerInvariant()} {local.Name}, but the running kernel's BTF has no such type; guard it with Core.TypeExists, or this kernel cannot run it.");
                    return;
                }
                SetImm(code, at, kind == CoreRelocationKind.TypeSize ? (int)KernelTypes.Vmlinux.SizeOf(id) : (int)id);
            }

            /// <summary>An enum value's existence or value, found by the local enum's name and the value's name.</summary>
            private void ApplyEnumRelocation(string prog, CoreRelocationKind kind, BtfType local, uint typeId, string access, List<byte> code, int at)
            {
                var values = local.Kind is BtfKind.Enum or BtfKind.Enum64 ? _btf!.EnumValues(local).ToList() : null;
                if (values is null || local.Name.Length == 0 || !int.TryParse(access, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index) || index >= values.Count)
                    throw new BpfException($"Program '{prog}' has a CO-RE enum relocation with access '{access}' on BTF type {typeId}, which does not name a value of a named enum.");
                string valueName = values[index].Name;
                long? value = null;
                if (KernelTypes.FindLike(local, local.Name) is uint id)
                {
                    foreach (var (name, v) in KernelTypes.Vmlinux.EnumValues(KernelTypes.Vmlinux.Get(id)))
                    {
                        if (name == valueName)
                        {
                            value = v;
                            break;
                        }
                    }
                }
                if (kind == CoreRelocationKind.EnumValueExists)
                {
                    SetImm(code, at, value is null ? 0 : 1);
                    return;
                }
                if (value is not long known)
                {
                    Poison(code, at, $"Program '{prog}' asks for the value of {local.Name}.{valueName}, but the running kernel's enum {local.Name} has no such value (or no such enum); guard it with Core.EnumValueExists, or this kernel cannot run it.");
                    return;
                }
                if (known < int.MinValue || known > int.MaxValue)
                    throw new BpfException($"Program '{prog}' asks for the value of {local.Name}.{valueName}, which is {known} in the running kernel, more than a 32-bit immediate holds.");
                SetImm(code, at, (int)known);
            }

            /// <summary>
            /// As libbpf does for an answer the kernel does not have: the instruction becomes a call the verifier refuses,
            /// which it never walks where a Core existence query guards it; a refusal is reported with <paramref name="why"/> (LoadProgram).
            /// </summary>
            private void Poison(List<byte> code, int at, string why)
            {
                code[at] = Opcodes.Call;
                code[at + 1] = 0;
                SetImm(code, at, PoisonedCall);
                _poisoned.Add(why);
            }

            private void ApplyRelocation(string prog, Chunk chunk, ElfRelocation rel, int insn, List<byte> code,
                List<Chunk> chunks, Dictionary<ulong, int> placedSubprogs)
            {
                if (rel.SymbolIndex <= 0 || rel.SymbolIndex >= _elf.Symbols.Count)
                    throw new BpfException($"Program '{prog}': relocation at offset {rel.Offset} of '{chunk.Section.Name}' refers to invalid symbol {rel.SymbolIndex}.");
                ElfSymbol sym = _elf.Symbols[rel.SymbolIndex];
                int at = insn * 8;
                if (at + 8 > code.Count)
                    throw new BpfException($"Program '{prog}': relocation at offset {rel.Offset} of '{chunk.Section.Name}' is outside the program.");
                byte opcode = code[at];
                int imm = code[at + 4] | code[at + 5] << 8 | code[at + 6] << 16 | code[at + 7] << 24;

                if (opcode == Opcodes.LoadImm64)
                {
                    if (at + 16 > code.Count)
                        throw new BpfException($"Program '{prog}': ld_imm64 at offset {rel.Offset} is truncated.");
                    if (_mapsSection != null && sym.SectionIndex == _mapsSection.Index)
                    {
                        if (!_mapsByOffset.TryGetValue(sym.Value, out BpfMapHandle? map))
                            throw new BpfException($"Program '{prog}' refers to '{sym.Name}' in .maps, which is not a map defined in BTF.");
                        SetSrcReg(code, at, Opcodes.PseudoMapFd);
                        SetImm(code, at, map.Fd.Value);
                        return;
                    }
                    if (_dataMapsBySection.TryGetValue(sym.SectionIndex, out BpfMapHandle? dataMap))
                    {
                        SetSrcReg(code, at, Opcodes.PseudoMapValue);
                        SetImm(code, at + 8, imm + (int)sym.Value);
                        SetImm(code, at, dataMap.Fd.Value);
                        return;
                    }
                    if (_textSection != null && sym.SectionIndex == _textSection.Index)
                    {
                        // A subprogram's address (a callback for bpf_loop and the like): the byte offset is the symbol's value plus the immediate.
                        long callback = ((long)sym.Value + imm) / 8;
                        int callbackBase = PlaceSubprogram(prog, callback, code, chunks, placedSubprogs);
                        SetSrcReg(code, at, Opcodes.PseudoFunc);
                        SetImm(code, at, callbackBase - (insn + 1));
                        return;
                    }
                    string target = sym.SectionIndex < _elf.Sections.Count ? _elf.Sections[sym.SectionIndex].Name : "(undefined)";
                    throw new BpfException($"Program '{prog}' refers to symbol '{sym.Name}' in section '{target}' (instruction {insn}: {Disassembler.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(code), insn, out _)}), which is neither a map nor global data; extern and kconfig symbols are not supported by this loader.");
                }

                if (opcode == Opcodes.Call && (code[at + 1] >> 4) == Opcodes.PseudoCall)
                {
                    if (_textSection == null || sym.SectionIndex != _textSection.Index)
                        throw new BpfException($"Program '{prog}' calls '{sym.Name}' (instruction {insn}: {Disassembler.Decode(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(code), insn, out _)}), which is not a function in .text.");
                    // Callee index inside .text: st_value/8 + imm + 1 (libbpf's convention for both FUNC and SECTION symbols).
                    long target = (long)(sym.Value / 8) + imm + 1;
                    SetImm(code, at, PlaceSubprogram(prog, target, code, chunks, placedSubprogs) - (insn + 1));
                    return;
                }

                throw new BpfException($"Program '{prog}': unsupported relocation (type {rel.Type}) against '{sym.Name}' at offset {rel.Offset} of '{chunk.Section.Name}' (instruction opcode 0x{opcode:x2}).");
            }

            /// <summary>The index in the program of the .text function starting at instruction <paramref name="target"/>, appended once.</summary>
            private int PlaceSubprogram(string prog, long target, List<byte> code, List<Chunk> chunks, Dictionary<ulong, int> placedSubprogs)
            {
                ulong targetOff = (ulong)(target * 8);
                if (placedSubprogs.TryGetValue(targetOff, out int targetBase)) return targetBase;
                ElfSymbol? fn = target < 0 ? null : _elf.Symbols.FirstOrDefault(s => s.SectionIndex == _textSection!.Index && s.SymType == ElfSymbol.SttFunc && s.Value == targetOff);
                if (fn == null || fn.Size == 0)
                    throw new BpfException($"Program '{prog}' refers to .text at instruction {target}, where no function starts.");
                targetBase = code.Count / 8;
                code.AddRange(_textSection!.Data.AsSpan((int)fn.Value, (int)fn.Size).ToArray());
                chunks.Add(new Chunk(_textSection, fn.Value, fn.Size, targetBase));
                placedSubprogs[targetOff] = targetBase;
                return targetBase;
            }

            private static void SetSrcReg(List<byte> code, int at, byte src) => code[at + 1] = (byte)((code[at + 1] & 0x0f) | (src << 4));

            private static void SetImm(List<byte> code, int at, int v)
            {
                code[at + 4] = (byte)v;
                code[at + 5] = (byte)(v >> 8);
                code[at + 6] = (byte)(v >> 16);
                code[at + 7] = (byte)(v >> 24);
            }

            /// <summary>Gathers func/line info records of the placed chunks, with insn_off rebased to instruction indices.</summary>
            private static (byte[]? Records, uint Count) CollectExt(BtfExtInfo info, List<Chunk> chunks)
            {
                if (info.RecordSize == 0) return (null, 0);
                var buf = new List<byte>();
                uint count = 0;
                foreach (Chunk c in chunks.OrderBy(c => c.Base))
                {
                    if (!info.BySection.TryGetValue(c.Section.Name, out var records)) continue;
                    foreach (byte[] r in records)
                    {
                        uint off = R32(r, 0);
                        if (off < c.Start || off >= c.Start + c.Size) continue;
                        byte[] copy = (byte[])r.Clone();
                        W32(copy, 0, (uint)c.Base + (uint)((off - c.Start) / 8));
                        buf.AddRange(copy);
                        count++;
                    }
                }
                return count == 0 ? (null, 0) : (buf.ToArray(), count);
            }
        }
    }
}
