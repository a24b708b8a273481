module memprobe/go

go 1.19
