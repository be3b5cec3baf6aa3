// Place names in the style of Cao Bằng's Tày and Nùng toponymy (Nà = field, Khuổi = stream, Phja = mountain,
// Ngườm = rock shelter, Bó = spring, Pác = river mouth, Lũng = valley, Kéo = pass …), and the city's street names.
import type { Random } from './random.ts';

const PREFIXES = ['Nà', 'Khuổi', 'Phja', 'Lũng', 'Kéo', 'Bó', 'Pác', 'Cốc', 'Pò', 'Nặm', 'Khau', 'Tổng', 'Ngườm', 'Slam', 'Co', 'Pù', 'Bản'];
const SYLLABLES = [
  'Lẹng', 'Pết', 'Khoang', 'Rạ', 'Mạ', 'Luông', 'Hoa', 'Đin', 'Cáy', 'Vài', 'Sliểm', 'Nưa', 'Tẩu', 'Hán', 'Lạn',
  'Sáng', 'Coóc', 'Mòn', 'Thin', 'Pán', 'Nhùng', 'Rằng', 'Pảng', 'Giàng', 'Khao', 'Chang', 'Táo', 'Riềng', 'Phai',
  'Lầu', 'Đoỏng', 'Cạn', 'Kha', 'Mỏ', 'Lượt', 'Lạng', 'Vạc', 'Ngần', 'Sla', 'Lừa', 'Kít', 'Mjầu', 'Nạc', 'Lài',
  'Dạ', 'Vỉ', 'Pục', 'Sẻ', 'Chạp', 'Khuông', 'Cam', 'Noọng', 'Thuổng', 'Lỏong', 'Slạu', 'Mười', 'Quân', 'Pền',
  'Lũng', 'Bây', 'Rà', 'Ỏ', 'Khiêu', 'Ngảm', 'Tồng', 'Phiêng', 'Duộc', 'Sàng', 'Bưa', 'Chỏng', 'Héo', 'Nhòm',
];

/** A two-syllable local name such as "Nà Lẹng" or "Khuổi Pết"; the prefix can be fixed ("Khuổi" for streams). */
export function localName(rng: Random, prefixes: readonly string[] = PREFIXES): string {
  let second = rng.pick(SYLLABLES);
  const first = rng.pick(prefixes);
  while (second === first) second = rng.pick(SYLLABLES);
  return `${first} ${second}`;
}

/** Draws names until one is new: demo layers read better without twenty "Nà Lẹng". */
export function uniqueName(used: Set<string>, make: () => string): string {
  for (let i = 0; i < 50; i++) {
    const n = make();
    if (!used.has(n)) {
      used.add(n);
      return n;
    }
  }
  let k = 2;
  const base = make();
  while (used.has(`${base} ${k}`)) k++;
  used.add(`${base} ${k}`);
  return `${base} ${k}`;
}

/** Street names of Cao Bằng city, and names of people and places the city's streets are commonly named after. */
export const STREET_NAMES = [
  'Kim Đồng', 'Vườn Cam', 'Hoàng Đình Giong', 'Xuân Trường', 'Bế Văn Đàn', 'Hiến Giang', 'Nguyễn Du', 'Lê Lợi',
  'Hoàng Như', 'Pác Bó', 'Võ Nguyên Giáp', '3 tháng 10', 'Đông Khê', 'Đàm Quang Trung', 'Nà Lần', 'Kéo Roóc',
  'Nguyễn Thị Minh Khai', 'Lý Tự Trọng', 'Tân An', 'Thanh Minh', 'Phai Khắt', 'Nà Ngần', 'Bằng Giang',
  'Lê Quý Đôn', 'Trần Hưng Đạo', 'Nguyễn Trãi', 'Lê Lai', 'Hoàng Văn Thụ', 'Nông Quốc Chấn', 'Đàm Thuận Huy',
  'Nguyễn Văn Linh', 'Phạm Văn Đồng', 'Trường Chinh', 'Lê Duẩn', 'Tố Hữu', 'Lương Văn Tri', 'Đinh Tiên Hoàng',
  'Lý Thường Kiệt', 'Quang Trung', 'Ngô Quyền', 'Hai Bà Trưng', 'Trần Phú', 'Nguyễn Huệ', 'Phan Đình Giót',
  'Lê Hồng Phong', 'Trần Quốc Toản', 'Hoàng Hoa Thám', 'Phan Bội Châu', 'Chu Văn An', 'Hoàng Quốc Việt',
  'Tôn Đức Thắng', 'Nguyễn Thái Học', 'Bắc Sơn', 'Ngọc Xuân', 'Nà Cạn', 'Khau Cút', 'Mạc Đĩnh Chi', 'Lê Thánh Tông',
  'Nguyễn Bỉnh Khiêm', 'Trần Nhân Tông', 'Lý Công Uẩn', 'Hoàng Diệu', 'Phùng Chí Kiên', 'Nguyễn Chí Thanh',
  'Văn Cao', 'Tô Hiệu', 'Hoàng Văn Nọn', 'Dương Công Trừng', 'Bế Văn Phụng', 'Nông Văn Dền', 'Hoàng Văn Thái',
  'Lê Trọng Tấn', 'Nguyễn Sơn', 'Hà Huy Tập', 'Nguyễn Văn Cừ', 'Trần Đăng Ninh', 'Vũ Văn Hiếu', 'Nùng Trí Cao',
  'Nông Văn Vân', 'Bế Khắc Thiệu', 'Lương Hữu Khánh', 'Đinh Công Tráng', 'Nguyễn Khuyến', 'Tú Xương', 'Hồ Xuân Hương',
  'Xuân Diệu', 'Huy Cận', 'Hàn Mặc Tử', 'Nguyễn Đình Chiểu', 'Phan Chu Trinh', 'Cù Chính Lan', 'Nguyễn Viết Xuân',
  'La Văn Cầu', 'Tô Vĩnh Diện', 'Trần Cừ', 'Mạc Thị Bưởi', 'Võ Thị Sáu', 'Hoàng Ngân', 'Ngọc Hân', 'Thanh Sơn',
  'Khuổi Lái', 'Nà Pài', 'Đề Thám', 'Sông Hiến', 'Hợp Giang', 'Nà Toòng', 'Mỏ Sắt', 'Tam Trung', 'Phố Cũ',
];
