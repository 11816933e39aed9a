namespace BpfDotnet.Compiler.Frontend
{
    /// <summary>Metadata names of the program-side API the compiler recognises.</summary>
    public static class KnownTypes
    {
        public const string BpfProgramAttribute = "BpfDotnet.BpfProgramAttribute";
        public const string TracepointAttribute = "BpfDotnet.TracepointAttribute";
        public const string SectionAttribute = "BpfDotnet.SectionAttribute";
        public const string UprobeAttribute = "BpfDotnet.UprobeAttribute";
        public const string KprobeAttribute = "BpfDotnet.KprobeAttribute";
        public const string UretprobeAttribute = "BpfDotnet.UretprobeAttribute";
        public const string PtRegs = "BpfDotnet.PtRegs";
        public const string XdpContext = "BpfDotnet.XdpContext";
        public const string SkBuff = "BpfDotnet.SkBuff";
        public const string SockAddrContext = "BpfDotnet.SockAddrContext";
        public const string SysctlContext = "BpfDotnet.SysctlContext";
        public const string SockoptContext = "BpfDotnet.SockoptContext";
        public const string IteratorContext = "BpfDotnet.IteratorContext";
        public const string Usdt = "BpfDotnet.Usdt";
        public const string Core = "BpfDotnet.Core";
        public const string BpfSockMap = "BpfDotnet.BpfSockMap";
        public const string BpfSockHash = "BpfDotnet.BpfSockHash";
        public const string FlowDissectorContext = "BpfDotnet.FlowDissectorContext";
        public const string SkMsgContext = "BpfDotnet.SkMsgContext";
        public const string SkLookupContext = "BpfDotnet.SkLookupContext";
        /// <summary>By metadata name (<c>ContainingTypeName</c>), as it is generic.</summary>
        public const string MapElementIterator = "BpfDotnet.MapElementIterator`2";
        public const string BpfRedirectMap = "BpfDotnet.BpfRedirectMap";
        public const string BpfFieldViewAttribute = "BpfDotnet.BpfFieldViewAttribute";
        public const string PerfEventData = "BpfDotnet.PerfEventData";
        public const string BpfMapAttribute = "BpfDotnet.BpfMapAttribute";
        public const string BpfLicenseAttribute = "BpfDotnet.BpfLicenseAttribute";
        public const string BpfHashMap = "BpfDotnet.BpfHashMap`2";
        public const string BpfArrayMap = "BpfDotnet.BpfArrayMap`1";
        public const string BpfRingBuffer = "BpfDotnet.BpfRingBuffer`1";
        public const string BpfPerfEventArray = "BpfDotnet.BpfPerfEventArray`1";
        public const string BpfStackTraceMap = "BpfDotnet.BpfStackTraceMap";
        /// <summary>The base class declaring the methods of queues and stacks.</summary>
        public const string BpfValueList = "BpfDotnet.BpfValueList`1";
        public const string BpfArrayOfMaps = "BpfDotnet.BpfArrayOfMaps`1";
        public const string BpfHashOfMaps = "BpfDotnet.BpfHashOfMaps`2";
        public const string BpfBloomFilter = "BpfDotnet.BpfBloomFilter`1";
        /// <summary>The base class declaring the methods of every hash map kind.</summary>
        public const string BpfKeyedMap = "BpfDotnet.BpfKeyedMap`2";
        /// <summary>The base class declaring the methods of every array map kind.</summary>
        public const string BpfIndexedMap = "BpfDotnet.BpfIndexedMap`1";
        public const string Bpf = "BpfDotnet.Bpf";
        public const string TaskComm = "BpfDotnet.TaskComm";
        public const string Interlocked = "System.Threading.Interlocked";
        public const string Unsafe = "System.Runtime.CompilerServices.Unsafe";
        public const string BinaryPrimitives = "System.Buffers.Binary.BinaryPrimitives";
        public const string StructLayoutAttribute = "System.Runtime.InteropServices.StructLayoutAttribute";
        public const string FieldOffsetAttribute = "System.Runtime.InteropServices.FieldOffsetAttribute";
        public const string BtfNameAttribute = "BpfDotnet.BtfNameAttribute";
        public const string BtfBitfieldAttribute = "BpfDotnet.BtfBitfieldAttribute";
    }
}
